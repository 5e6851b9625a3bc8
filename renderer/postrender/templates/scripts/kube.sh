# kube: the nodes that run the manager's and the database's pods, read from the Kubernetes
# API with this container's own token (a projected volume mounted here only; its Role may
# list pods in this namespace and nothing else).
KUBE_API=${KUBE_API:-https://kubernetes.default.svc}
KUBE_TOKEN_DIR=${KUBE_TOKEN_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}
# nodes_of SELECTOR: a JSON list of the distinct node names of the pods matching SELECTOR.
nodes_of() {
  # The token goes to curl on stdin, never on its command line.
  out=$(printf 'header = "Authorization: Bearer %s"\n' "$(cat "$KUBE_TOKEN_DIR/token")" |
    curl --config - --silent --show-error --fail --max-time 20 --cacert "$KUBE_TOKEN_DIR/ca.crt" \
      --get --data-urlencode "labelSelector=$1" "$KUBE_API/api/v1/namespaces/$NAMESPACE/pods" 2>&1) || {
    printf '%s' "$out"
    return 1
  }
  list=$(printf '%s' "$out" | grep -o '"nodeName": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/"\1"/' | sort -u |
    paste -s -d, -)
  printf '[%s]\n' "$list"
}
