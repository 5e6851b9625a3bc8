# kube: what this container reads from the Kubernetes API with its own token (a projected volume mounted
# here only; its Role may list pods in this namespace and get the release's restore-mode ConfigMap, nothing
# else): the nodes that run the manager's and the database's pods, whether a restore is under way, and which
# backup and drill pods have not ended.
KUBE_API=${KUBE_API:-https://kubernetes.default.svc}
KUBE_TOKEN_DIR=${KUBE_TOKEN_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}
# kube_get PATH [CURL ARGUMENTS...]: GET $KUBE_API/PATH; the body in $WORK_DIR/kube.body, the HTTP status in
# $kube_code. False, with the reason in $kube_error, when there is no answer or it is not a 2xx; for a
# Kubernetes Status (any 4xx or 5xx of the API server), the reason is its message.
kube_get() {
  kube_path=$1 && shift
  # The token goes to curl on stdin, never on its command line.
  kube_code=$(printf 'header = "Authorization: Bearer %s"\n' "$(cat "$KUBE_TOKEN_DIR/token")" |
    curl --config - --silent --show-error --max-time 20 --cacert "$KUBE_TOKEN_DIR/ca.crt" \
      --output "$WORK_DIR/kube.body" --write-out '%{http_code}' "$@" "$KUBE_API/$kube_path" 2> "$WORK_DIR/kube.stderr") ||
    { kube_error=$(cat "$WORK_DIR/kube.stderr"); kube_error=${kube_error:-curl failed without a reason}; return 1; }
  case $kube_code in 2??) return 0 ;; esac
  kube_error="HTTP $kube_code$(sed -n 's/.*"message": *"\(\([^"\\]\|\\.\)*\)".*/: \1/p' "$WORK_DIR/kube.body" |
    sed 's/\\"/"/g' | head -n 1)"
  return 1
}
# nodes_of SELECTOR: a JSON list of the distinct node names of the pods matching SELECTOR; the reason, and
# false, when the API cannot tell.
nodes_of() {
  kube_get "api/v1/namespaces/$NAMESPACE/pods" --get --data-urlencode "labelSelector=$1" || {
    printf '%s' "$kube_error"
    return 1
  }
  list=$(grep -o '"nodeName": *"[^"]*"' "$WORK_DIR/kube.body" | sed 's/.*"\([^"]*\)"$/"\1"/' | sort -u |
    paste -s -d, -)
  printf '[%s]\n' "$list"
}
# in_restore_mode: true while the release is in restore mode, false when it is not; fails the step when the
# API cannot tell (a backup or drill beside a restore must never run on a guess). Restore mode is the
# ConfigMap $RESTORING_CONFIGMAP: the post-renderer renders it in restore mode only, so Helm creates it with
# the revision that enters restore mode (before that revision's restore Job: Helm applies a release's objects
# in its kind order, ConfigMap before Job: InstallOrder in helm/helm pkg/releaseutil/kind_sorter.go, v3.17.2;
# pkg/release/v1/util/kind_sorter.go in v4) and deletes it with the revision that leaves. A marker in the cluster, not in the
# bucket: Helm gives it exactly the lifetime of restore mode, a rollback into restore mode brings it back,
# and nothing has to remember to remove it. Its absence is a 404 Status of reason NotFound about configmaps
# (k8s.io/apimachinery pkg/api/errors NewNotFound: details.kind is the resource): any other answer (a
# proxy's 404, a 403 from a missing Role) is not taken for "no restore".
in_restore_mode() {
  if kube_get "api/v1/namespaces/$NAMESPACE/configmaps/$RESTORING_CONFIGMAP"; then
    restoring=$(sed -n 's/.*"backup": *"\([^"]*\)".*/\1/p' "$WORK_DIR/kube.body" | head -n 1)
    return 0
  fi
  [ "$kube_code" = 404 ] && grep -q '"reason": *"NotFound"' "$WORK_DIR/kube.body" &&
    grep -q '"kind": *"configmaps"' "$WORK_DIR/kube.body" && return 1
  fail "cannot tell whether a restore of $RELEASE is under way (ConfigMap $RESTORING_CONFIGMAP: $kube_error): not going on beside one"
}
# refuse_in_restore_mode WHAT: fails the step, saying why, while the release is in restore mode. In the first
# backup's pod ($POD_NAME starts with $FIRST_BACKUP_JOB_PREFIX) a ConfigMap found is looked for again every 2 s
# for 60 s before the refusal: the upgrade that leaves restore mode creates that Job before it deletes the
# ConfigMap (Helm deletes what a revision drops after it has created and updated the rest: helm/helm
# pkg/kube/client.go Update, v3 and v4), and that backup must not fail a try for it. Nothing is dumped
# meanwhile (dump.sh waits for not-restoring). Any other pod refuses at once: one that waited would be a
# running pod that the restore Job's last check (busy_pods) finds, and it would refuse the restore.
refuse_in_restore_mode() {
  case ${POD_NAME:-} in "$FIRST_BACKUP_JOB_PREFIX"?*) grace=60 ;; *) grace=0 ;; esac
  grace_end=$(($(date +%s) + grace))
  while in_restore_mode; do
    [ "$(date +%s)" -lt "$grace_end" ] || refused_in_restore_mode "$1"
    sleep 2
  done
}
refused_in_restore_mode() {
  fail "$RELEASE is in restore mode (ConfigMap $RESTORING_CONFIGMAP${restoring:+: restoring $restoring}): no $1 while a restore may be changing the database; it runs again on schedule once the restore has ended"
}
# busy_pods COMPONENT: the names of the release's pods of COMPONENT (backup, drill) that have not ended (any
# phase but Succeeded and Failed: a Pending pod may be about to run), one a line on stdout (call it with a
# redirection, not in $(...): it fails the step when the API cannot tell). The names are the items' metadata.name: the API server writes an object's metadata first and,
# in it, the name first (Go's encoding/json keeps the field order of ObjectMeta, k8s.io/apimachinery
# pkg/apis/meta/v1/types.go); status.phase is a field selector of pods (pkg/registry/core/pod/strategy.go
# PodToSelectableFields). The body is read as one line: the API server indents its JSON, one field a line,
# for a client whose User-Agent starts with "curl" (k8s.io/apiserver pkg/endpoints/handlers/negotiation
# isPrettyPrint), and compact for others; whichever it writes, the match is the same.
busy_pods() {
  kube_get "api/v1/namespaces/$NAMESPACE/pods" --get \
    --data-urlencode "labelSelector=app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=$1,datashield.ibm.com/generated-by=helm-datashield" \
    --data-urlencode "fieldSelector=status.phase!=Succeeded,status.phase!=Failed" ||
    fail "cannot list the $1 pods of $RELEASE, which must not run while this restore drops the database: $kube_error"
  tr -d '\n' < "$WORK_DIR/kube.body" | grep -o '"metadata": *{ *"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}
