"""Generated from renderer/postrender/templates/ by tools/template_compiler.py: do not edit. Regenerate with:

    tools/regenerate
"""
# ruff: noqa: E501, PLR0915

from __future__ import annotations

from . import template_runtime as rt

TYPE_CHECKING = False  # typing costs milliseconds to import, which every render would pay
if TYPE_CHECKING:
    from typing import Any

    Context = dict[str, Any]


def pod__metadata(ctx: Context, s_: Any, name_: Any, component_: Any, filename_: Any) -> str:
    out: list[str] = []
    out.append(str(pod__labelled_metadata(ctx, s_, name_, component_, filename_, None)))
    return "".join(out)


def pod__labelled_metadata(ctx: Context, s_: Any, name_: Any, component_: Any, filename_: Any, extra_labels_: Any) -> str:
    out: list[str] = []
    out.append('metadata:\n'
               '  name: ')
    out.append(str(name_))
    if rt.attr(s_, 'namespace'):
        out.append('\n'
                   '  namespace: ')
        out.append(str(rt.q(rt.attr(s_, 'namespace'))))
    out.append('\n'
               '  labels:')
    out.append(str(rt.indent(pod__labels(ctx, s_, component_), 4)))
    if extra_labels_:
        out.append(str(rt.indent(rt.to_yaml(extra_labels_), 4)))
    if filename_ or rt.attr(s_, 'warnings'):
        out.append('\n'
                   '  annotations:')
        if filename_:
            out.append('\n'
                       '    postrenderer.helm.sh/postrender-filename: ')
            out.append(str(rt.q(filename_)))
        if rt.attr(s_, 'warnings'):
            out.append('\n'
                       '    datashield.ibm.com/warnings: ')
            out.append(str(rt.q(rt.join(rt.attr(s_, 'warnings'), '\n'))))
    return "".join(out)


def pod__cronjob(ctx: Context, s_: Any, name_: Any, schedule_: Any, component_: Any, filename_: Any) -> str:
    out: list[str] = []
    out.append('apiVersion: batch/v1\n'
               'kind: CronJob\n')
    out.append(str(pod__metadata(ctx, s_, name_, component_, filename_)))
    out.append('\n'
               'spec:\n'
               '  schedule: ')
    out.append(str(rt.q(schedule_)))
    out.append('\n'
               '  timeZone: ')
    out.append(str(rt.q(rt.attr(s_, 'time_zone'))))
    out.append('\n'
               '  # Suspended in restore mode too: a backup must not dump a half-restored database, nor a drill read\n'
               '  # the bucket while a restore changes it.\n'
               '  suspend: ')
    out.append(str(rt.q(rt.attr(s_, 'suspend') or rt.attr(s_, 'restore_enabled'))))
    out.append('\n'
               '  startingDeadlineSeconds: ')
    out.append(str(rt.attr(s_, 'starting_deadline_seconds')))
    for field_2, value_2 in rt.attr(s_, 'cronjob_fixed_spec'):
        out.append('\n'
                   '  ')
        out.append(str(field_2))
        out.append(': ')
        out.append(str(rt.q(value_2)))
    out.append('\n'
               '  jobTemplate:\n'
               '    metadata:\n'
               '      labels:')
    out.append(str(rt.indent(pod__labels(ctx, s_, component_), 8)))
    return "".join(out)


def pod__pod_template(ctx: Context, s_: Any, steps_: Any, component_: Any) -> str:
    out: list[str] = []
    out.append('template:\n'
               '  metadata:\n'
               '    labels:')
    out.append(str(rt.indent(pod__labels(ctx, s_, component_), 6)))
    out.append('\n'
               '  spec:')
    out.append(str(rt.indent(pod__pod_spec(ctx, s_, steps_), 4)))
    return "".join(out)


def pod__labels(ctx: Context, s_: Any, component_: Any) -> str:
    out: list[str] = []
    out.append('\n'
               'app.kubernetes.io/name: enclaveos-')
    out.append(str(component_))
    out.append('\n'
               'app.kubernetes.io/instance: ')
    out.append(str(rt.q(rt.attr(s_, 'release'))))
    out.append('\n'
               'app.kubernetes.io/component: ')
    out.append(str(component_))
    out.append('\n'
               'app.kubernetes.io/part-of: enclave-manager\n'
               'app.kubernetes.io/managed-by: Helm\n'
               'datashield.ibm.com/generated-by: helm-datashield')
    return "".join(out)


def pod__pod_spec(ctx: Context, s_: Any, steps_: Any) -> str:
    out: list[str] = []
    out.append('\n'
               'restartPolicy: Never')
    if rt.to_list(rt.selectattr(steps_, 'kube_api')):
        out.append('\n'
                   'serviceAccountName: ')
        out.append(str(rt.q(rt.attr(s_, 'service_account'))))
    out.append('\n'
               'automountServiceAccountToken: false\n'
               'enableServiceLinks: false\n'
               'securityContext:\n'
               '  runAsNonRoot: true\n'
               '  runAsUser: 65532\n'
               '  runAsGroup: 65532\n'
               '  fsGroup: 65532\n'
               '  seccompProfile:\n'
               '    type: RuntimeDefault')
    if rt.attr(s_, 'pull_secrets'):
        out.append('\n'
                   'imagePullSecrets:')
        for name_2 in rt.attr(s_, 'pull_secrets'):
            out.append('\n'
                       '  - name: ')
            out.append(str(rt.q(name_2)))
    first_1 = rt.to_list(rt.selectattr(steps_[:-1], 'in_order'))
    if first_1:
        out.append('\n'
                   'initContainers:')
        for step_2 in first_1:
            out.append(str(rt.indent(pod__container(ctx, s_, step_2), 2)))
    out.append('\n'
               'containers:')
    for step_2 in rt.to_list(rt.selectattr(steps_, 'beside')):
        out.append(str(rt.indent(pod__container(ctx, s_, step_2), 2)))
    if rt.attr(rt.item(steps_, -1), 'in_order'):
        out.append(str(rt.indent(pod__container(ctx, s_, rt.item(steps_, -1)), 2)))
    out.append('\n'
               'volumes:\n'
               '  - name: work\n'
               '    emptyDir: {}\n'
               '  - name: tmp\n'
               '    emptyDir: {}')
    if rt.attr(s_, 'database_certs_secret') and rt.to_list(rt.selectattr(steps_, 'certs')):
        out.append('\n'
                   '  - name: database-certs\n'
                   '    secret:\n'
                   '      secretName: ')
        out.append(str(rt.q(rt.attr(s_, 'database_certs_secret'))))
        out.append('\n'
                   '      defaultMode: 0400')
    if rt.to_list(rt.selectattr(steps_, 'scratch')):
        out.append('\n'
                   "  # The drill's throwaway database, mounted only into the container that runs it.\n"
                   '  - name: scratch\n'
                   '    emptyDir: {}')
    if rt.to_list(rt.selectattr(steps_, 'kube_api')):
        out.append('\n'
                   '  # The API token, mounted only into the container that reads the API (scripts/kube.sh).\n'
                   '  - name: kube-api\n'
                   '    projected:\n'
                   '      sources:\n'
                   '        - serviceAccountToken:\n'
                   '            path: token\n'
                   '            expirationSeconds: 3600\n'
                   '        - configMap:\n'
                   '            name: kube-root-ca.crt\n'
                   '            items:\n'
                   '              - key: ca.crt\n'
                   '                path: ca.crt')
    return "".join(out)


def pod__container(ctx: Context, s_: Any, step_: Any) -> str:
    out: list[str] = []
    out.append('\n'
               '- name: ')
    out.append(str(rt.attr(step_, 'name')))
    image_1 = rt.attr(s_, 'object_store_image') if rt.attr(step_, 'object_store') else rt.attr(s_, 'database_image')
    out.append('\n'
               '  image: ')
    out.append(str(rt.q(rt.attr(image_1, 'reference'))))
    out.append('\n'
               '  imagePullPolicy: ')
    out.append(str(rt.attr(image_1, 'pull_policy')))
    out.append('\n'
               '  command: ["/bin/sh", "-ec"]\n'
               '  args:\n'
               '    - |\n'
               '      ')
    out.append(str(rt.indent(rt.attr(rt.attr(step_, 'script'), 'rstrip')(), 6)))
    out.append('\n'
               '  env:\n'
               '    - name: RELEASE\n'
               '      value: ')
    out.append(str(rt.q(rt.attr(s_, 'release'))))
    out.append('\n'
               '    - name: NAMESPACE\n'
               '      valueFrom:\n'
               '        fieldRef:\n'
               '          fieldPath: metadata.namespace\n'
               '    - name: DATABASE_NAME\n'
               '      value: ')
    out.append(str(rt.q(rt.context(ctx, 'database_name'))))
    if rt.attr(step_, 'production'):
        out.append('\n'
                   '    - name: DATABASE_HOST\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'database_host'))))
        out.append('\n'
                   '    - name: DATABASE_PORT\n'
                   '      value: ')
        out.append(str(rt.q(rt.string(rt.attr(s_, 'database_port')))))
    out.append('\n'
               '    - name: S3_ENDPOINT\n'
               '      value: ')
    out.append(str(rt.q(rt.attr(s_, 'endpoint'))))
    out.append('\n'
               '    - name: S3_BUCKET\n'
               '      value: ')
    out.append(str(rt.q(rt.attr(s_, 'bucket'))))
    out.append('\n'
               '    - name: S3_PREFIX\n'
               '      value: ')
    out.append(str(rt.q(rt.attr(s_, 'prefix'))))
    out.append('\n'
               '    - name: BACKUP_FORMAT\n'
               '      value: ')
    out.append(str(rt.q(rt.attr(s_, 'format'))))
    out.append('\n'
               '    - name: WORK_DIR\n'
               '      value: /work\n'
               '    - name: HOME\n'
               '      value: /tmp')
    if rt.attr(step_, 'restore'):
        out.append('\n'
                   '    - name: RESTORE_BACKUP\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'restore_backup'))))
        out.append('\n'
                   "    # Recorded in the safety dump's metadata: which restore made it, and on which nodes the\n"
                   '    # manager ran (its data is sealed to their SGX hardware).\n'
                   '    - name: RESTORE_RUN_ID\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'restore_run_id'))))
        out.append('\n'
                   '    - name: RESTORE_MANAGER_NODES\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'restore_manager_nodes'))))
    if rt.attr(step_, 'certs'):
        out.append('\n'
                   '    # At most this long, waiting for the database to answer (dump.sh): it may still be starting.\n'
                   '    - name: DATABASE_WAIT_SECONDS\n'
                   '      value: "180"')
    if rt.attr(s_, 'database_certs_secret') and rt.attr(step_, 'certs'):
        out.append('\n'
                   '    - name: DATABASE_CERTS_DIR\n'
                   '      value: /cockroach-certs')
    if rt.attr(step_, 'object_store'):
        out.append('\n'
                   '    # At most this long for one call to the object store (s3.sh): Backup.S3CallTimeoutSeconds,\n'
                   "    # smaller than the Job's activeDeadlineSeconds (checked with the values).\n"
                   '    - name: S3_CALL_TIMEOUT\n'
                   '      value: ')
        out.append(str(rt.q(rt.string(rt.attr(s_, 's3_call_timeout_seconds')))))
    if rt.attr(step_, 'retention'):
        out.append('\n'
                   "    # The backup Job's activeDeadlineSeconds: retention deletes the data of a backup that never completed only\n"
                   '    # once it is older than this, so that no backup still running owns it (scripts/upload.sh).\n'
                   '    - name: BACKUP_DEADLINE_SECONDS\n'
                   '      value: ')
        out.append(str(rt.q(rt.string(rt.attr(s_, 'backup_deadline_seconds')))))
    if rt.attr(step_, 'scratch'):
        out.append('\n'
                   '    - name: SCRATCH_DIR\n'
                   '      value: /scratch')
    if rt.attr(step_, 'kube_api'):
        out.append('\n'
                   '    - name: RESTORING_CONFIGMAP\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'restoring_configmap'))))
        out.append('\n'
                   '    - name: MANAGER_SELECTOR\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'manager_selector'))))
        out.append('\n'
                   '    - name: DATABASE_SELECTOR\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'database_selector'))))
    if rt.attr(step_, 'beside'):
        out.append('\n'
                   '    # The container this one runs beside: the dump streams into the upload (scripts/lib.sh side_by_side).\n'
                   '    - name: BESIDE\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(step_, 'beside'))))
    for name_2, value_2 in rt.attr(step_, 'env'):
        out.append('\n'
                   '    - name: ')
        out.append(str(name_2))
        out.append('\n'
                   '      value: ')
        out.append(str(rt.q(value_2)))
    if rt.attr(step_, 'object_store') or (rt.attr(s_, 'format') == 'native'):
        out.append('\n'
                   '    - name: AWS_ACCESS_KEY_ID\n'
                   '      valueFrom:\n'
                   '        secretKeyRef:\n'
                   '          name: ')
        out.append(str(rt.q(rt.attr(s_, 'secret_name'))))
        out.append('\n'
                   '          key: AWS_ACCESS_KEY_ID\n'
                   '    - name: AWS_SECRET_ACCESS_KEY\n'
                   '      valueFrom:\n'
                   '        secretKeyRef:\n'
                   '          name: ')
        out.append(str(rt.q(rt.attr(s_, 'secret_name'))))
        out.append('\n'
                   '          key: AWS_SECRET_ACCESS_KEY\n'
                   '    - name: RETENTION\n'
                   '      value: ')
        out.append(str(rt.q(rt.string(rt.attr(s_, 'retention')))))
        out.append('\n'
                   '    - name: AWS_DEFAULT_REGION\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'region'))))
        out.append('\n'
                   '    # The node whose clock named a backup: retention names it when that clock is wrong (s3.sh clock_checked).\n'
                   '    - name: NODE_NAME\n'
                   '      valueFrom:\n'
                   '        fieldRef:\n'
                   '          fieldPath: spec.nodeName\n'
                   "    # Whether this is the first backup's pod, which waits for restore mode to end (kube.sh refuse_in_restore_mode).\n"
                   '    - name: POD_NAME\n'
                   '      valueFrom:\n'
                   '        fieldRef:\n'
                   '          fieldPath: metadata.name\n'
                   '    - name: FIRST_BACKUP_JOB_PREFIX\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'first_backup_job_prefix'))))
        out.append('\n'
                   '    # IBM COS rejects the newer default request checksums of recent AWS CLIs.\n'
                   '    - name: AWS_REQUEST_CHECKSUM_CALCULATION\n'
                   '      value: when_required\n'
                   '    - name: AWS_RESPONSE_CHECKSUM_VALIDATION\n'
                   '      value: when_required')
    out.append('\n'
               '  securityContext:\n'
               '    allowPrivilegeEscalation: false\n'
               '    readOnlyRootFilesystem: true\n'
               '    runAsNonRoot: true\n'
               '    capabilities:\n'
               '      drop: ["ALL"]\n'
               '  resources:')
    out.append(str(rt.indent(rt.to_yaml(rt.attr(s_, 'resources')), 4)))
    out.append('\n'
               '  volumeMounts:\n'
               '    - name: work\n'
               '      mountPath: /work\n'
               '    - name: tmp\n'
               '      mountPath: /tmp')
    if rt.attr(s_, 'database_certs_secret') and rt.attr(step_, 'certs'):
        out.append('\n'
                   '    - name: database-certs\n'
                   '      mountPath: /cockroach-certs\n'
                   '      readOnly: true')
    if rt.attr(step_, 'scratch'):
        out.append('\n'
                   '    - name: scratch\n'
                   '      mountPath: /scratch')
    if rt.attr(step_, 'kube_api'):
        out.append('\n'
                   '    - name: kube-api\n'
                   '      mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n'
                   '      readOnly: true')
    return "".join(out)


def render_pod(ctx: Context) -> str:
    out: list[str] = []
    out.append('\n')
    return "".join(out)


def render_backup_cronjob_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append(str(pod__cronjob(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'cronjob_name'), rt.attr(rt.context(ctx, 's'), 'schedule'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               '    spec:\n'
               '      ')
    out.append(str(rt.indent(rt.context(ctx, 'job_spec'), 6)))
    out.append('\n')
    return "".join(out)


def render_backup_first_job_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append("# The first backup: the CronJob's backup pod, run once as soon as the backup configuration is\n"
               '# installed or changes. Its name ends with a hash of its spec, so an upgrade that changes nothing\n'
               '# renders this same Job again (nothing to do), and one that changes what it runs renders a new Job\n'
               "# (a Job's pod template cannot be changed). No ttlSecondsAfterFinished: a Job deleted by its TTL\n"
               '# would be created again, and run again, by the next helm upgrade.\n'
               'apiVersion: batch/v1\n'
               'kind: Job\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.context(ctx, 'first_backup_job_name'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               'spec:\n'
               '  ')
    out.append(str(rt.indent(rt.context(ctx, 'job_spec'), 2)))
    out.append('\n')
    return "".join(out)


def render_backup_job_spec_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('backoffLimit: 2\n'
               'activeDeadlineSeconds: ')
    out.append(str(rt.attr(rt.context(ctx, 's'), 'backup_deadline_seconds')))
    out.append('\n'
               '# A backup that is complete and kept, but whose clean-up (retention) failed, exits with\n'
               '# KEPT_EXIT (scripts/lib.sh): the Job fails at once, without another try, since every try\n'
               '# writes another backup. podFailurePolicy: beta and on by default since Kubernetes 1.26, GA\n'
               '# in 1.31; it needs restartPolicy: Never, which the pod has. The empty onPodConditions: the\n'
               '# OpenAPI schema of 1.27 marks it required (fixed in 1.28); the API server takes it empty.\n'
               'podFailurePolicy:\n'
               '  rules:\n'
               '    - action: FailJob\n'
               '      onExitCodes:\n'
               '        containerName: upload\n'
               '        operator: In\n'
               '        values: [')
    out.append(str(rt.context(ctx, 'kept_exit')))
    out.append(']\n'
               '      onPodConditions: []\n')
    out.append(str(pod__pod_template(ctx, rt.context(ctx, 's'), rt.context(ctx, 'steps'), 'backup')))
    out.append('\n')
    return "".join(out)


def render_backup_rbac_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('# The steps that read the API (scripts/kube.sh), and only they, with a token of this ServiceAccount: the\n'
               '# backup pod records which nodes ran the manager and the database (the restore checks the SGX same-hardware\n'
               '# rule against them); the restore Job lists the backup and drill pods that still run before it drops the\n'
               '# database; the backup and drill pods read whether the release is in restore mode (its ConfigMap). They may\n'
               '# list pods in the namespace and get that one ConfigMap, nothing else.\n'
               'apiVersion: v1\n'
               'kind: ServiceAccount\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'service_account'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               'automountServiceAccountToken: false\n'
               '---\n'
               'apiVersion: rbac.authorization.k8s.io/v1\n'
               'kind: Role\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'service_account'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               'rules:\n'
               '  - apiGroups: [""]\n'
               '    resources: ["pods"]\n'
               '    verbs: ["list"]\n'
               '  - apiGroups: [""]\n'
               '    resources: ["configmaps"]\n'
               '    resourceNames: [')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'restoring_configmap'))))
    out.append(']\n'
               '    verbs: ["get"]\n'
               '---\n'
               'apiVersion: rbac.authorization.k8s.io/v1\n'
               'kind: RoleBinding\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'service_account'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               'roleRef:\n'
               '  apiGroup: rbac.authorization.k8s.io\n'
               '  kind: Role\n'
               '  name: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'service_account'))))
    out.append('\n'
               'subjects:\n'
               '  - kind: ServiceAccount\n'
               '    name: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'service_account'))))
    if rt.attr(rt.context(ctx, 's'), 'namespace'):
        out.append('\n'
                   '    namespace: ')
        out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'namespace'))))
    out.append('\n')
    return "".join(out)


def render_drill_cronjob_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append(str(pod__cronjob(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'drill_cronjob_name'), rt.attr(rt.context(ctx, 's'), 'drill_schedule'), 'drill', rt.context(ctx, 'filename'))))
    out.append('\n'
               '    spec:\n'
               '      # A failed drill is a verdict (written beside the backup), not something to try again.\n'
               '      backoffLimit: 0\n'
               '      activeDeadlineSeconds: ')
    out.append(str(rt.attr(rt.context(ctx, 's'), 'drill_deadline_seconds')))
    out.append('\n'
               "      # But a drill that failed on a backup deleted while it was drilled (a backup's retention ran meanwhile)\n"
               '      # is no verdict: the record step exits REDRILL_EXIT (scripts/lib.sh, record.sh), and the Job ignores that\n'
               "      # pod's failure and starts another, which drills the newest backup again. The Job's success then is a\n"
               '      # proven restore, never a drill that proved nothing (issue 25). podFailurePolicy: on by default since\n'
               '      # Kubernetes 1.26, GA in 1.31, needs restartPolicy: Never (which the pod has); where it is off, the Job\n'
               '      # fails and --status and the drill alert say so. The empty onPodConditions: as backup-job-spec.yaml.j2.\n'
               '      podFailurePolicy:\n'
               '        rules:\n'
               '          - action: Ignore\n'
               '            onExitCodes:\n'
               '              containerName: record\n'
               '              operator: In\n'
               '              values: [')
    out.append(str(rt.context(ctx, 'redrill_exit')))
    out.append(']\n'
               '            onPodConditions: []\n'
               '      ')
    out.append(str(rt.indent(pod__pod_template(ctx, rt.context(ctx, 's'), rt.context(ctx, 'steps'), 'drill'), 6)))
    out.append('\n')
    return "".join(out)


def render_prometheusrule_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('apiVersion: monitoring.coreos.com/v1\n'
               'kind: PrometheusRule\n')
    out.append(str(pod__labelled_metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'cronjob_name'), 'backup', rt.context(ctx, 'filename'), rt.attr(rt.context(ctx, 's'), 'alert_labels'))))
    out.append('\n'
               'spec:\n'
               '  groups:\n'
               '    - name: ')
    out.append(str(rt.q(rt.context(ctx, 'group'))))
    out.append('\n'
               '      rules:')
    for alert_2 in rt.context(ctx, 'alerts'):
        out.append('\n'
                   '        - alert: ')
        out.append(str(rt.attr(alert_2, 'name')))
        out.append('\n'
                   '          expr: ')
        out.append(str(rt.q(rt.attr(alert_2, 'expr'))))
        out.append('\n'
                   '          for: ')
        out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'alert_for'))))
        out.append('\n'
                   '          labels:\n'
                   '            severity: ')
        out.append(str(rt.q(rt.attr(alert_2, 'severity'))))
        out.append('\n'
                   '          annotations:\n'
                   '            summary: ')
        out.append(str(rt.q(rt.attr(alert_2, 'summary'))))
        out.append('\n'
                   '            description: ')
        out.append(str(rt.q(rt.attr(alert_2, 'description'))))
    out.append('\n')
    return "".join(out)


def render_restore_job_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('apiVersion: batch/v1\n'
               'kind: Job\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'restore_job_name'), 'restore', rt.context(ctx, 'filename'))))
    out.append('\n'
               'spec:\n'
               '  # A restore that failed half-way is not retried on its own: the operator decides.\n'
               '  backoffLimit: 0\n'
               '  # Restore.ActiveDeadlineSeconds: the safety dump, the download and the import together.\n'
               '  activeDeadlineSeconds: ')
    out.append(str(rt.attr(rt.context(ctx, 's'), 'restore_deadline_seconds')))
    out.append('\n'
               '  ')
    out.append(str(rt.indent(pod__pod_template(ctx, rt.context(ctx, 's'), rt.context(ctx, 'steps'), 'restore'), 2)))
    out.append('\n')
    return "".join(out)


def render_restoring_configmap_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('# Restore mode, for the pods to read (scripts/kube.sh in_restore_mode): while it exists, a backup or a\n'
               '# restore drill refuses to run. Rendered in restore mode only: Helm creates it with the revision that enters\n'
               '# restore mode and deletes it with the one that leaves it.\n'
               'apiVersion: v1\n'
               'kind: ConfigMap\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'restoring_configmap'), 'restore', rt.context(ctx, 'filename'))))
    out.append('\n'
               'data:\n'
               '  runId: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'restore_run_id'))))
    out.append('\n'
               '  backup: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'restore_backup'))))
    out.append('\n')
    return "".join(out)


RENDER = {
    'backup-cronjob.yaml.j2': render_backup_cronjob_yaml,
    'backup-first-job.yaml.j2': render_backup_first_job_yaml,
    'backup-job-spec.yaml.j2': render_backup_job_spec_yaml,
    'backup-rbac.yaml.j2': render_backup_rbac_yaml,
    'drill-cronjob.yaml.j2': render_drill_cronjob_yaml,
    'prometheusrule.yaml.j2': render_prometheusrule_yaml,
    'restore-job.yaml.j2': render_restore_job_yaml,
    'restoring-configmap.yaml.j2': render_restoring_configmap_yaml,
}

# renderer/postrender/templates/scripts/*.sh
SCRIPTS = {
    'db-cockroach.sh': (
        '# database seam: CockroachDB (the only database-specific part; the tests put PostgreSQL here).\n'
        "# db_version, db_cluster_id (the database cluster's own identity), db_exists, db_dump FILE TABLES (SQL\n"
        '# text into FILE, and into TABLES the \'"name": rows\' lines, sorted, of the data in that very dump: the\n'
        '# name JSON-escaped by the database itself, so a name with spaces, quotes, tabs or newlines is one line),\n'
        '# db_table_counts (the same lines for the data now), db_drop, db_create, db_import (SQL text on stdin),\n'
        '# db_backup_native URL TABLES (TABLES as for db_dump), db_restore_native URL; for the restore drill,\n'
        '# db_start_scratch and db_stop_scratch.\n'
        '# A secure cluster: client certificates from the Secret mounted at $DATABASE_CERTS_DIR, copied\n'
        '# so the key is private to this user (cockroach refuses a group-readable key file).\n'
        'security=--insecure\n'
        'if [ -n "${DATABASE_CERTS_DIR:-}" ]; then\n'
        '  mkdir -p "$HOME/cockroach-certs"\n'
        '  cp "$DATABASE_CERTS_DIR"/ca.crt "$DATABASE_CERTS_DIR"/client.root.crt "$DATABASE_CERTS_DIR"/client.root.key \\\n'
        '    "$HOME/cockroach-certs/" || fail "the certificates Secret must hold ca.crt, client.root.crt and client.root.key"\n'
        '  chmod 600 "$HOME/cockroach-certs"/*\n'
        '  security="--certs-dir=$HOME/cockroach-certs"\n'
        'fi\n'
        'crdb() { cockroach sql "$security" --host="$DATABASE_HOST:$DATABASE_PORT" "$@"; }\n'
        'db_version() { out=$(crdb --format=tsv -e "SELECT version()") && printf \'%s\\n\' "$out" | tail -n 1; }\n'
        '# db_exists: 0 when $DATABASE_NAME exists, 1 when it does not, 2 when the server cannot say.\n'
        'db_exists() {\n'
        '  out=$(crdb --format=tsv -e "SHOW DATABASES") || return 2\n'
        '  printf \'%s\\n\' "$out" | cut -f1 | grep -qx "$DATABASE_NAME"\n'
        '}\n'
        '# The counts and the dump describe one moment: both read AS OF SYSTEM TIME the same timestamp, so rows\n'
        '# the manager writes meanwhile are in neither (docs: cockroachlabs.com/docs/v20.1/as-of-system-time,\n'
        '# and cockroach dump --as-of, cockroachlabs.com/docs/v20.1/cockroach-dump, which takes a timestamp\n'
        '# string; BACKUP ... AS OF SYSTEM TIME, cockroachlabs.com/docs/v20.2/backup).\n'
        'db_snapshot_time() { out=$(crdb --format=tsv -e "SELECT now()::TIMESTAMP::STRING") && printf \'%s\\n\' "$out" | tail -n 1; }\n'
        'db_dump() {\n'
        '  at=$(db_snapshot_time) && [ -n "$at" ] || return 1\n'
        '  counted_beside "$at" "$2" cockroach dump "$DATABASE_NAME" "$security" --host="$DATABASE_HOST:$DATABASE_PORT" \\\n'
        '    --as-of="$at" > "$1"\n'
        '}\n'
        '# counted_beside TIMESTAMP TABLES COMMAND...: COMMAND, and beside it (not before it: issue 23) the counts as of\n'
        '# TIMESTAMP into TABLES (db_counts); fails when either does. A count(*) of every table reads the whole database once\n'
        "# more, so one after the other the backup would take the two reads' sum; at one timestamp, neither waits for the other.\n"
        'counted_beside() {\n'
        '  c_at=$1 c_tables=$2 && shift 2\n'
        '  db_counts "$c_at" > "$c_tables" &\n'
        '  c_counting=$! c_status=0\n'
        '  "$@" || c_status=$?\n'
        '  wait "$c_counting" || c_status=1\n'
        '  return "$c_status"\n'
        '}\n'
        'db_table_counts() { db_counts ""; }\n'
        '# db_counts TIMESTAMP: the rows of every table as of TIMESTAMP (now when empty), one \'"name": rows\' line a\n'
        "# table, sorted. No name ever goes through the shell's word splitting or the tsv output's quoting: the\n"
        '# database writes ONE statement that counts every table (one snapshot), each name quoted as an identifier\n'
        '# by quote_ident and JSON-escaped by to_json, and both that statement and the lines it returns travel\n'
        '# base64-encoded (convert_to, encode). All documented since v20.1 (cockroachlabs.com/docs/v20.1/functions-and-operators:\n'
        '# quote_ident, quote_literal, convert_to, encode, string_agg, to_json).\n'
        'db_counts() {\n'
        '  as_of=${1:+" AS OF SYSTEM TIME \'$1\'"}\n'
        "  # The same clause inside the generating statement's string literal (its quotes doubled).\n"
        '  as_of_quoted=$(printf \'%s\' "$as_of" | sed "s/\'/\'\'/g")\n'
        '  counter=$(crdb --format=tsv -d "$DATABASE_NAME" -e "SELECT encode(convert_to(string_agg(\'SELECT encode(convert_to(\'\n'
        "      || quote_literal(to_json($COUNTED_NAME)::STRING || ': ') || ' || count(*)::STRING, ''UTF8''), ''base64'') FROM '\n"
        "      || quote_ident(table_schema) || '.' || quote_ident(table_name) || '$as_of_quoted', ' UNION ALL '), 'UTF8'), 'base64')\n"
        '    FROM information_schema.tables$as_of WHERE $COUNTED_TABLES") || return 1\n'
        '  counter=$(printf \'%s\\n\' "$counter" | tail -n 1)\n'
        '  # No table: string_agg of no rows is NULL.\n'
        '  [ "$counter" != NULL ] && [ -n "$counter" ] || return 0\n'
        '  counts=$(printf \'%s\' "$counter" | base64 -d | crdb --format=tsv -d "$DATABASE_NAME") || return 1\n'
        '  printf \'%s\\n\' "$counts" | tail -n +2 | while IFS= read -r line; do printf \'%s\' "$line" | base64 -d && echo; done |\n'
        '    LC_ALL=C sort\n'
        '}\n'
        "# The cluster's ID, a UUID that stays with the cluster for its life (a new cluster gets a new one).\n"
        'db_cluster_id() { out=$(crdb --format=tsv -e "SELECT crdb_internal.cluster_id()") && printf \'%s\\n\' "$out" | tail -n 1; }\n'
        'db_drop() { crdb -e "DROP DATABASE IF EXISTS $DATABASE_NAME CASCADE"; }\n'
        'db_create() { crdb -e "CREATE DATABASE $DATABASE_NAME"; }\n'
        'db_import() { crdb -d "$DATABASE_NAME"; }\n'
        '# Native: the cluster itself writes to (reads from) the bucket; the URL, with its keys, goes on\n'
        '# stdin, never on a command line.\n'
        'db_backup_native() {\n'
        '  at=$(db_snapshot_time) && [ -n "$at" ] || return 1\n'
        '  counted_beside "$at" "$2" backup_into "$1" "$at"\n'
        '}\n'
        '# backup_into URL TIMESTAMP: BACKUP of the database INTO URL, as of TIMESTAMP (the URL on stdin, never an argument).\n'
        'backup_into() { printf "BACKUP DATABASE %s INTO \'%s\' AS OF SYSTEM TIME \'%s\';\\n" "$DATABASE_NAME" "$1" "$2" | crdb; }\n'
        'db_restore_native() { printf "RESTORE DATABASE %s FROM LATEST IN \'%s\';\\n" "$DATABASE_NAME" "$1" | crdb; }\n'
        "# db_start_scratch: the restore drill's throwaway database, a single-node CockroachDB started in the\n"
        '# background inside this pod, listening on loopback only (nothing outside the pod reaches it, so it runs\n'
        "# --insecure), its store in $SCRATCH_DIR (the pod's `scratch` emptyDir); waits until it answers, at most\n"
        '# $SCRATCH_WAIT_SECONDS, then points the db_* functions at it. The reason on stdout when it cannot start.\n'
        '# Flags: cockroachlabs.com/docs/v20.1/cockroach-start-single-node (--insecure, --listen-addr,\n'
        "# --http-addr, --store=path=, --cache, --max-sql-memory); the memory flags keep it inside the container's limit.\n"
        'SCRATCH_SQL_PORT=26257\n'
        'SCRATCH_HTTP_PORT=8080\n'
        'db_start_scratch() {\n'
        '  DATABASE_HOST=127.0.0.1 DATABASE_PORT=$SCRATCH_SQL_PORT security=--insecure\n'
        '  cockroach start-single-node --insecure --listen-addr="127.0.0.1:$SCRATCH_SQL_PORT" \\\n'
        '    --http-addr="127.0.0.1:$SCRATCH_HTTP_PORT" --store=path="$SCRATCH_DIR/store" --cache=64MiB \\\n'
        '    --max-sql-memory=128MiB > "$SCRATCH_DIR/cockroach.log" 2>&1 &\n'
        '  scratch_pid=$!\n'
        '  waited=0\n'
        '  until crdb -e "SELECT 1" > /dev/null 2>&1; do\n'
        '    if ! kill -0 "$scratch_pid" 2> /dev/null; then\n'
        '      echo "cockroach start-single-node exited: $(tail -n 3 "$SCRATCH_DIR/cockroach.log")"\n'
        '      return 1\n'
        '    fi\n'
        '    if [ "$waited" -ge "$SCRATCH_WAIT_SECONDS" ]; then\n'
        '      echo "no answer within $SCRATCH_WAIT_SECONDS s (SCRATCH_WAIT_SECONDS): $(tail -n 3 "$SCRATCH_DIR/cockroach.log")"\n'
        '      return 1\n'
        '    fi\n'
        '    sleep 1 && waited=$((waited + 1))\n'
        '  done\n'
        '}\n'
        '# db_stop_scratch: stops the throwaway database, if it runs, and waits until it is gone (its store goes\n'
        '# with the pod).\n'
        'db_stop_scratch() {\n'
        '  if [ -n "${scratch_pid:-}" ]; then kill "$scratch_pid" 2> /dev/null || true; wait "$scratch_pid" || true; fi\n'
        "  scratch_pid=''\n"
        '}\n'
        '# end of database seam\n'),
    'drill.sh': (
        '# Step "drill" (database image), restore drill: starts a throwaway database inside this pod\n'
        '# (db_start_scratch; the pod knows no production database: no host, port or credentials of it), loads\n'
        "# the backup the pick step verified into it and compares every table's row count with the backup's\n"
        "# metadata (load_backup, as the restore step does), and always stops it again. A failure is the drill's\n"
        '# verdict (lib.sh fail), which the record step writes; a failed pick step leaves nothing to do here.\n'
        'key=$(value drill key) format=$(value drill format)\n'
        '[ -n "$key" ] || fail "no backup picked in $WORK_DIR: the pick step did not finish"\n'
        'if [ -f "$WORK_DIR/verdict/reason" ]; then\n'
        '  log "nothing to load: the backup failed its checks"\n'
        '  exit 0\n'
        'fi\n'
        'fail_verdict=1\n'
        '# The throwaway database is never left behind in any state worth saying.\n'
        'state() { :; }\n'
        'trap db_stop_scratch EXIT\n'
        'log "starting a throwaway database in this pod"\n'
        'db_start_scratch > "$WORK_DIR/scratch.log" 2>&1 ||\n'
        '  fail "the scratch database did not start: $(tail -n 3 "$WORK_DIR/scratch.log")"\n'
        'load_backup "$key" "$format"\n'
        'log "restored $key into the throwaway database: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $(tables_checked)"\n'),
    'dump.sh': (
        '# Step "dump" (database client image): the database, with what the upload records and checks: the\n'
        '# values in $WORK_DIR/dump/ (name, format, created, database_version, cluster; size and sha256 of an SQL\n'
        '# dump written to a file) and $WORK_DIR/tables (rows per table, of the data in the dump itself: the manager\n'
        '# keeps writing while it runs). $BACKUP_FORMAT: "sql" (SQL text) or "native" (CockroachDB\'s BACKUP writes\n'
        '# straight into the bucket). An SQL dump streams into the upload container beside this one ($BESIDE, the\n'
        '# backup pod: lib.sh side_by_side), or, for a safety dump ($DUMP_PREFIX, the restore pod, whose steps run\n'
        '# one after another), goes into a file in $WORK_DIR.\n'
        'format=${BACKUP_FORMAT:-sql}\n'
        '# At install time the database may still be starting (the first backup runs as the release is\n'
        "# installed, and the database pod's name resolves only once that pod is ready): wait, at most\n"
        '# $DATABASE_WAIT_SECONDS, for it to answer and, for a backup, for $DATABASE_NAME to exist (the\n'
        '# manager may not have created it yet). A safety dump needs no database: a missing one is nothing to save.\n'
        'wait_limit=${DATABASE_WAIT_SECONDS:-0} wait_start=$(date +%s)\n'
        'log "waiting for the database at $DATABASE_HOST:$DATABASE_PORT (up to $wait_limit s)"\n'
        'while :; do\n'
        '  waited=$(($(date +%s) - wait_start))\n'
        '  if version=$(db_version 2>&1) && [ -n "$version" ]; then\n'
        '    [ -z "${DUMP_PREFIX:-}" ] || break\n'
        '    db_exists && break\n'
        '    case $? in\n'
        '      1) reason="database $DATABASE_NAME does not exist at $DATABASE_HOST:$DATABASE_PORT" ;;\n'
        '      *) reason="cannot list the databases at $DATABASE_HOST:$DATABASE_PORT" ;;\n'
        '    esac\n'
        '  else\n'
        '    reason="cannot reach database $DATABASE_NAME at $DATABASE_HOST:$DATABASE_PORT: ${version:-no answer}"\n'
        '  fi\n'
        '  [ "$waited" -lt "$wait_limit" ] || fail "$reason (waited $waited s)"\n'
        '  sleep 2\n'
        'done\n'
        'log "database answered after $waited s"\n'
        "# The backup pod's upload step reads from the API whether the release is in restore mode (kube.sh\n"
        '# in_restore_mode): nothing is dumped, nor a native BACKUP started, before it has said no.\n'
        'if [ -n "${BESIDE:-}" ]; then\n'
        '  wait_for "$BESIDE" "$WORK_DIR/not-restoring" || fail "$(peer_failure "$BESIDE"): nothing was dumped"\n'
        'fi\n'
        'now=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n'
        'log "dumping database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT ($format)"\n'
        "# The database cluster's own identity keeps two clusters' backups apart in one bucket (it is part of\n"
        "# a backup's name) and lets a restore see that a backup comes from another cluster.\n"
        'cluster=$(db_cluster_id 2>&1) ||\n'
        '  fail "cannot read the identity of the database cluster at $DATABASE_HOST:$DATABASE_PORT: $cluster"\n'
        '# It must be a name this tool writes and reads back (renderer/restore/backups.py CLUSTER; s3.sh our_backups).\n'
        "case $cluster in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9-]*) cluster_ok=no ;; *) cluster_ok=yes ;; esac\n"
        '[ "$cluster_ok" = yes ] && [ "${#cluster}" -le 64 ] ||\n'
        '  fail "the database cluster at $DATABASE_HOST:$DATABASE_PORT gave an identity that is not 1-64 letters, digits and \\"-\\" (the first a letter or digit): \\"$cluster\\""\n'
        "# Recorded now: the restore pod's fetch step reads it even when there is nothing to save.\n"
        'put_values dump cluster "$cluster"\n'
        'name=$(object_name "$(printf \'%s\' "$now" | tr -d \':-\')" "$cluster" "$format")\n'
        'mkdir -p "$WORK_DIR/$NAMESPACE"\n'
        'file="$WORK_DIR/$name"\n'
        'if [ -n "${DUMP_PREFIX:-}" ]; then\n'
        '  if db_exists; then exists=0; else exists=$?; fi\n'
        '  [ "$exists" -le 1 ] || fail "cannot list the databases at $DATABASE_HOST:$DATABASE_PORT"\n'
        '  [ "$exists" = 1 ] || db_table_counts > "$WORK_DIR/tables" || fail "cannot count the rows of the tables of $DATABASE_NAME"\n'
        '  if [ ! -s "$WORK_DIR/tables" ]; then\n'
        '    # A safety dump of a missing or empty database: nothing to lose, nothing to save.\n'
        '    log "database $DATABASE_NAME is missing or has no tables: no safety dump needed"\n'
        '    : > "$WORK_DIR/nothing-to-save"\n'
        '    exit 0\n'
        '  fi\n'
        'fi\n'
        "size='' sha256=''\n"
        "# shown_output: what the dump said (its warnings, its errors) into this step's log, as it would have without alive.\n"
        'shown_output() { if [ -s "$alive_log" ]; then redacted "$(cat "$alive_log")" >&2; echo >&2; fi; }\n'
        '# The name is written last, once the upload beside this step may start on it: before a stream, which the upload\n'
        '# must be reading; after a dump into a file or the bucket.\n'
        'put_values dump format "$format" created "$now" database_version "$version"\n'
        'if [ "$format" = native ]; then\n'
        "  # The BACKUP writes into the bucket itself: only once the upload step has checked this node's clock, which names it.\n"
        '  if [ -n "${BESIDE:-}" ]; then\n'
        '    wait_for "$BESIDE" "$WORK_DIR/clock-checked" || fail "$(peer_failure "$BESIDE"): no BACKUP was started"\n'
        '  fi\n'
        '  log "BACKUP DATABASE $DATABASE_NAME INTO s3://$S3_BUCKET/$(key_of "$name")"\n'
        '  alive "BACKUP of $DATABASE_NAME" "" db_backup_native "$(backup_url "$(key_of "$name")")" "$WORK_DIR/tables" \\\n'
        '    < /dev/null || fail "BACKUP of $DATABASE_NAME failed: $(redacted "$(cat "$alive_log")")"\n'
        '  put_values dump name "$name"\n'
        'elif [ -n "${BESIDE:-}" ]; then\n'
        '  put_values dump name "$name"\n'
        '  log "streaming the dump to the $BESIDE step"\n'
        '  status=0 waited=0\n'
        '  alive "dumping $DATABASE_NAME" "" db_dump "$STREAM" "$WORK_DIR/tables" < /dev/null || status=$?\n'
        '  shown_output\n'
        '  if [ "$status" != 0 ]; then\n'
        '    # A broken pipe: the upload ended first? Then that is the reason, and it ends within moments (it waits for\n'
        "    # this step's end only once the dump is over, so 5 s bound the wait). Or it was killed without a word: its\n"
        '    # heartbeat stands still, and the watch calls it gone after SILENCE_SECONDS (lib.sh watch_beside), longer\n'
        '    # than 5 s: while the heartbeat stands still, the wait goes on until then, so the line names the cause.\n'
        '    beat=$(cat "$WORK_DIR/$BESIDE.alive" 2> /dev/null) || beat=\'\'\n'
        '    until ended "$BESIDE" || gone "$BESIDE"; do\n'
        '      sleep 0.2 && waited=$((waited + 1))\n'
        '      now_beat=$(cat "$WORK_DIR/$BESIDE.alive" 2> /dev/null) || now_beat=\'\'\n'
        '      [ "$now_beat" = "$beat" ] || { [ "$waited" -lt 25 ] || break; beat=$now_beat; }\n'
        '    done\n'
        '    if gone "$BESIDE"; then fail "$(peer_failure "$BESIDE"): the dump of $DATABASE_NAME was cut short"; fi\n'
        '    fail "the dump of $DATABASE_NAME failed (exit $status; the $BESIDE step still runs: the dump\'s own output says why)"\n'
        '  fi\n'
        'else\n'
        '  status=0\n'
        '  alive "dumping $DATABASE_NAME" "written $file.partial" db_dump "$file.partial" "$WORK_DIR/tables" < /dev/null ||\n'
        '    status=$?\n'
        '  shown_output\n'
        '  [ "$status" = 0 ] || fail "the dump of $DATABASE_NAME failed (exit $status); nothing was uploaded"\n'
        '  [ -s "$file.partial" ] || fail "the dump of $DATABASE_NAME is empty; nothing was uploaded"\n'
        '  mv "$file.partial" "$file"\n'
        '  size=$(size_of "$file") sha256=$(sha256_of "$file")\n'
        '  put_values dump size "$size" sha256 "$sha256" name "$name"\n'
        'fi\n'
        'log "dumped $name${size:+: $size bytes}, $(wc -l < "$WORK_DIR/tables" | tr -d \' \') tables"\n'),
    'fetch.sh': (
        '# Step "fetch" (AWS CLI image), restore mode: first records that this restore run began (or stops, when\n'
        '# it began before), then makes sure the safety dump of the current data is in the bucket (an SQL dump is uploaded and verified; a native one was written there\n'
        '# by the database and is checked to exist), then picks the backup ($RESTORE_BACKUP: an object\n'
        '# key under the prefix, or "latest" = the newest complete backup), reads it with its metadata\n'
        "# and checks size and SHA-256 against the metadata (verify_backup, s3.sh); last, the safety dump's metadata object (it is\n"
        '# then complete: kind "safety-dump", restorable like a backup). The database is not touched here.\n'
        '# A restore runs once (issue 24 §2). The Job is a plain object of the restore-mode revision: `helm rollback`\n'
        '# to that revision, or --atomic/--rollback-on-failure on the upgrade that leaves restore mode, applies its\n'
        '# manifest again (helm/helm pkg/action/rollback.go; upgrade.go rolls back to the last deployed revision) and\n'
        '# Kubernetes starts the Job anew: a second safety dump, DROP and import of an old backup, unasked. So the\n'
        '# run records that it began, under its run id (Restore.RunId, new for every run of helm datashield-restore)\n'
        "# and its database cluster (two clusters' restores may share a bucket, a release name and a second), before\n"
        '# anything leaves this pod, and a Job that finds its run begun stops here.\n'
        'run_record=$(key_of "$NAMESPACE/restore-runs/$RELEASE-$RESTORE_RUN_ID-$(value dump cluster).json")\n'
        'out=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$run_record" --output json --query \'Contents[].Key\' 2>&1) ||\n'
        '  fail "cannot tell whether restore run $RESTORE_RUN_ID already began (listing s3://$S3_BUCKET/$run_record): $out"\n'
        'if printf \'%s\\n\' "$out" | grep -qF "\\"$run_record\\""; then\n'
        '  if [ -f "$WORK_DIR/dump/name" ] && [ "$(value dump format)" = native ]; then\n'
        "    # The safety-dump step before this one has just written a native BACKUP into the bucket: this pod's own,\n"
        '    # with no metadata, of no use: removed, so that a Job created again leaves nothing behind.\n'
        '    replayed=$(key_of "$(value dump name)")\n'
        '    s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$replayed/" > /dev/null 2>&1 ||\n'
        '      log "WARNING: could not remove s3://$S3_BUCKET/$replayed/, the safety backup this Job took before it found its run begun (no metadata: never restored, listed as incomplete)"\n'
        '  fi\n'
        '  fail "restore run $RESTORE_RUN_ID of $RELEASE already began (s3://$S3_BUCKET/$run_record): this Job was created again, by a helm rollback to a restore-mode revision or --atomic/--rollback-on-failure, and a restore runs once: nothing was dropped or imported. The release is in restore mode, the manager at 0 replicas: run helm datashield-restore to restore or to bring the manager back (or, restoring by hand, set a new Restore.RunId)"\n'
        'fi\n'
        'printf \'{\\n  "writer": "helm-datashield",\\n  "kind": "restore-run",\\n  "release": %s,\\n  "namespace": %s,\\n  "restoreRunId": %s,\\n  "restoring": %s,\\n  "started": "%s"\\n}\\n\' \\\n'
        '  "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")" "$(json_string "$RESTORE_RUN_ID")" \\\n'
        '  "$(json_string "$RESTORE_BACKUP")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$WORK_DIR/restore-run.json"\n'
        'put_checked "$WORK_DIR/restore-run.json" "$run_record"\n'
        "safety=''\n"
        'if [ -f "$WORK_DIR/nothing-to-save" ]; then\n'
        '  log "no safety dump: the database was missing or empty"\n'
        'elif [ -f "$WORK_DIR/dump/name" ]; then\n'
        '  safety=$(value dump name) safety_format=$(value dump format)\n'
        '  safety_key=$(key_of "$safety")\n'
        '  if [ "$safety_format" = native ]; then\n'
        '    native_digest "$safety_key"\n'
        '    [ "$files" -gt 0 ] || fail "the safety backup s3://$S3_BUCKET/$safety_key/ is empty: refusing to restore"\n'
        '  else\n'
        '    put_verified "$WORK_DIR/$safety" "$safety_key" "$(value dump sha256)"\n'
        "    # In the bucket and read back: the pod's copy goes before the backup comes, so that the pod's disk holds\n"
        '    # one dump at a time (nothing has been dropped yet; a failure from here on changes nothing).\n'
        '    rm -f "$WORK_DIR/$safety"\n'
        '    files=1 size=$(value dump size) sha256=$(value dump sha256)\n'
        '  fi\n'
        '  safety_files=$files safety_size=$size safety_sha256=$sha256\n'
        'else\n'
        '  fail "no safety dump of the current data in $WORK_DIR: refusing to restore"\n'
        'fi\n'
        'if [ "$RESTORE_BACKUP" = latest ]; then\n'
        '  # Listed first, on its own: a listing that fails stops here with its reason ("could not look"),\n'
        '  # never as "no complete backup" ("nothing found").\n'
        '  latest_backup\n'
        '  key=$(cat "$WORK_DIR/latest")\n'
        'else\n'
        '  key=$(key_of "$RESTORE_BACKUP")\n'
        'fi\n'
        'log "restoring s3://$S3_BUCKET/$key"\n'
        'verify_backup "$key" restore\n'
        'written_by=$(meta_field cluster "$WORK_DIR/restore.json")\n'
        'this_cluster=$(value dump cluster)\n'
        '[ -z "$written_by" ] || [ "$written_by" = "$this_cluster" ] ||\n'
        '  log "WARNING: $key was written by database cluster $written_by; this database is cluster ${this_cluster:-(unknown)}: restoring it as asked (a new cluster after a disaster?)"\n'
        'if [ -n "$safety" ]; then\n'
        "  # The safety dump's metadata, like a backup's (written last: it is then complete, and\n"
        '  # helm datashield-restore --from takes it), with who made it and why.\n'
        '  # shellcheck disable=SC2034  # read by metadata_json\n'
        '  database_version=$(value dump database_version) database_nodes=null cluster=$this_cluster\n'
        '  nodes_error="database pods: not read by the restore Job"\n'
        '  if [ -n "${RESTORE_MANAGER_NODES:-}" ]; then\n'
        '    manager_nodes=$(printf \'%s\\n\' "$RESTORE_MANAGER_NODES" | tr \',\' \'\\n\' | while IFS= read -r node; do\n'
        '      json_string "$node" && echo; done | paste -s -d, -)\n'
        '    manager_nodes="[$manager_nodes]"\n'
        '  else\n'
        '    manager_nodes=null\n'
        '    nodes_error="manager pods: the restore did not say which nodes ran the manager (Restore.ManagerNodes, set by \\\n'
        'helm datashield-restore while the manager runs); $nodes_error"\n'
        '  fi\n'
        '  metadata_json "$safety_key" "$safety_format" "$safety_files" "$safety_size" "$safety_sha256" "$(value dump created)" \\\n'
        '    \'  "kind": "safety-dump",\' "  \\"restoreRunId\\": $(json_string "$RESTORE_RUN_ID")," \\\n'
        '    "  \\"restoring\\": $(json_string "$key")," > "$WORK_DIR/$safety.json"\n'
        '  put_verified "$WORK_DIR/$safety.json" "$safety_key.json"\n'
        '  put_values safety name "$safety"\n'
        '  log "the data before this restore is saved as s3://$S3_BUCKET/$safety_key"\n'
        'fi\n'
        '# Last, just before the restore step drops the database: no backup or drill pod of this release may be\n'
        '# running (one that started before restore mode began would dump a half-restored database, complete and\n'
        '# verified, and it would become `latest`). Pods that start from now on see restore mode and refuse\n'
        '# (upload.sh, pick.sh); helm datashield-restore waits for those it finds before entering restore mode.\n'
        ': > "$WORK_DIR/busy"\n'
        'for component in backup drill; do busy_pods "$component" >> "$WORK_DIR/busy"; done\n'
        '[ ! -s "$WORK_DIR/busy" ] ||\n'
        '  fail "backup or drill pods of $RELEASE have not ended ($(paste -s -d, - < "$WORK_DIR/busy" | sed \'s/,/, /g\')): they would read the database this restore drops; nothing was dropped. Run the restore again once they have ended (or delete their Jobs)"\n'
        'put_values restore key "$key" format "$format"\n'
        'log "verified $key: $size bytes, sha256 $sha256"\n'),
    'kube.sh': (
        '# kube: what this container reads from the Kubernetes API with its own token (a projected volume mounted\n'
        "# here only; its Role may list pods in this namespace and get the release's restore-mode ConfigMap, nothing\n"
        "# else): the nodes that run the manager's and the database's pods, whether a restore is under way, and which\n"
        '# backup and drill pods have not ended.\n'
        'KUBE_API=${KUBE_API:-https://kubernetes.default.svc}\n'
        'KUBE_TOKEN_DIR=${KUBE_TOKEN_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}\n'
        '# kube_get PATH [CURL ARGUMENTS...]: GET $KUBE_API/PATH; the body in $WORK_DIR/kube.body, the HTTP status in\n'
        '# $kube_code. False, with the reason in $kube_error, when there is no answer or it is not a 2xx; for a\n'
        '# Kubernetes Status (any 4xx or 5xx of the API server), the reason is its message.\n'
        'kube_get() {\n'
        '  kube_path=$1 && shift\n'
        '  # The token goes to curl on stdin, never on its command line.\n'
        '  kube_code=$(printf \'header = "Authorization: Bearer %s"\\n\' "$(cat "$KUBE_TOKEN_DIR/token")" |\n'
        '    curl --config - --silent --show-error --max-time 20 --cacert "$KUBE_TOKEN_DIR/ca.crt" \\\n'
        '      --output "$WORK_DIR/kube.body" --write-out \'%{http_code}\' "$@" "$KUBE_API/$kube_path" 2> "$WORK_DIR/kube.stderr") ||\n'
        '    { kube_error=$(cat "$WORK_DIR/kube.stderr"); kube_error=${kube_error:-curl failed without a reason}; return 1; }\n'
        '  case $kube_code in 2??) return 0 ;; esac\n'
        '  kube_error="HTTP $kube_code$(sed -n \'s/.*"message": *"\\(\\([^"\\\\]\\|\\\\.\\)*\\)".*/: \\1/p\' "$WORK_DIR/kube.body" |\n'
        '    sed \'s/\\\\"/"/g\' | head -n 1)"\n'
        '  return 1\n'
        '}\n'
        '# nodes_of SELECTOR: a JSON list of the distinct node names of the pods matching SELECTOR; the reason, and\n'
        '# false, when the API cannot tell.\n'
        'nodes_of() {\n'
        '  kube_get "api/v1/namespaces/$NAMESPACE/pods" --get --data-urlencode "labelSelector=$1" || {\n'
        '    printf \'%s\' "$kube_error"\n'
        '    return 1\n'
        '  }\n'
        '  list=$(grep -o \'"nodeName": *"[^"]*"\' "$WORK_DIR/kube.body" | sed \'s/.*"\\([^"]*\\)"$/"\\1"/\' | sort -u |\n'
        '    paste -s -d, -)\n'
        '  printf \'[%s]\\n\' "$list"\n'
        '}\n'
        '# in_restore_mode: true while the release is in restore mode, false when it is not; fails the step when the\n'
        '# API cannot tell (a backup or drill beside a restore must never run on a guess). Restore mode is the\n'
        '# ConfigMap $RESTORING_CONFIGMAP: the post-renderer renders it in restore mode only, so Helm creates it with\n'
        "# the revision that enters restore mode (before that revision's restore Job: Helm applies a release's objects\n"
        '# in its kind order, ConfigMap before Job: InstallOrder in helm/helm pkg/releaseutil/kind_sorter.go, v3.17.2;\n'
        '# pkg/release/v1/util/kind_sorter.go in v4) and deletes it with the revision that leaves. A marker in the cluster, not in the\n'
        '# bucket: Helm gives it exactly the lifetime of restore mode, a rollback into restore mode brings it back,\n'
        '# and nothing has to remember to remove it. Its absence is a 404 Status of reason NotFound about configmaps\n'
        '# (k8s.io/apimachinery pkg/api/errors NewNotFound: details.kind is the resource): any other answer (a\n'
        '# proxy\'s 404, a 403 from a missing Role) is not taken for "no restore".\n'
        'in_restore_mode() {\n'
        '  if kube_get "api/v1/namespaces/$NAMESPACE/configmaps/$RESTORING_CONFIGMAP"; then\n'
        '    restoring=$(sed -n \'s/.*"backup": *"\\([^"]*\\)".*/\\1/p\' "$WORK_DIR/kube.body" | head -n 1)\n'
        '    return 0\n'
        '  fi\n'
        '  [ "$kube_code" = 404 ] && grep -q \'"reason": *"NotFound"\' "$WORK_DIR/kube.body" &&\n'
        '    grep -q \'"kind": *"configmaps"\' "$WORK_DIR/kube.body" && return 1\n'
        '  fail "cannot tell whether a restore of $RELEASE is under way (ConfigMap $RESTORING_CONFIGMAP: $kube_error): not going on beside one"\n'
        '}\n'
        '# refuse_in_restore_mode WHAT: fails the step, saying why, while the release is in restore mode. In the first\n'
        "# backup's pod ($POD_NAME starts with $FIRST_BACKUP_JOB_PREFIX) a ConfigMap found is looked for again every 2 s\n"
        '# for 60 s before the refusal: the upgrade that leaves restore mode creates that Job before it deletes the\n'
        '# ConfigMap (Helm deletes what a revision drops after it has created and updated the rest: helm/helm\n'
        '# pkg/kube/client.go Update, v3 and v4), and that backup must not fail a try for it. Nothing is dumped\n'
        '# meanwhile (dump.sh waits for not-restoring). Any other pod refuses at once: one that waited would be a\n'
        "# running pod that the restore Job's last check (busy_pods) finds, and it would refuse the restore.\n"
        'refuse_in_restore_mode() {\n'
        '  case ${POD_NAME:-} in "$FIRST_BACKUP_JOB_PREFIX"?*) grace=60 ;; *) grace=0 ;; esac\n'
        '  grace_end=$(($(date +%s) + grace))\n'
        '  while in_restore_mode; do\n'
        '    [ "$(date +%s)" -lt "$grace_end" ] || refused_in_restore_mode "$1"\n'
        '    sleep 2\n'
        '  done\n'
        '}\n'
        'refused_in_restore_mode() {\n'
        '  fail "$RELEASE is in restore mode (ConfigMap $RESTORING_CONFIGMAP${restoring:+: restoring $restoring}): no $1 while a restore may be changing the database; it runs again on schedule once the restore has ended"\n'
        '}\n'
        "# busy_pods COMPONENT: the names of the release's pods of COMPONENT (backup, drill) that have not ended (any\n"
        '# phase but Succeeded and Failed: a Pending pod may be about to run), one a line on stdout (call it with a\n'
        "# redirection, not in $(...): it fails the step when the API cannot tell). The names are the items' metadata.name: the API server writes an object's metadata first and,\n"
        "# in it, the name first (Go's encoding/json keeps the field order of ObjectMeta, k8s.io/apimachinery\n"
        '# pkg/apis/meta/v1/types.go); status.phase is a field selector of pods (pkg/registry/core/pod/strategy.go\n'
        '# PodToSelectableFields). The body is read as one line: the API server indents its JSON, one field a line,\n'
        '# for a client whose User-Agent starts with "curl" (k8s.io/apiserver pkg/endpoints/handlers/negotiation\n'
        '# isPrettyPrint), and compact for others; whichever it writes, the match is the same.\n'
        'busy_pods() {\n'
        '  kube_get "api/v1/namespaces/$NAMESPACE/pods" --get \\\n'
        '    --data-urlencode "labelSelector=app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=$1,datashield.ibm.com/generated-by=helm-datashield" \\\n'
        '    --data-urlencode "fieldSelector=status.phase!=Succeeded,status.phase!=Failed" ||\n'
        '    fail "cannot list the $1 pods of $RELEASE, which must not run while this restore drops the database: $kube_error"\n'
        '  tr -d \'\\n\' < "$WORK_DIR/kube.body" | grep -o \'"metadata": *{ *"name": *"[^"]*"\' | sed \'s/.*"\\([^"]*\\)"$/\\1/\'\n'
        '}\n'),
    'lib.sh': (
        '# lib: shared by every step of the backup, restore and drill pods (POSIX sh, run with -e).\n'
        '# Every line is logged as "[<step>] ..." on ONE line with its whole reason (AWS CLI v1 starts its\n'
        '# errors with a newline) and the HMAC keys redacted; fail names the step and why (and $fail_note) and\n'
        '# exits 1, or $fail_code once a failure must not make the Job retry (see upload.sh). In a drill, once\n'
        "# its backup is known ($fail_verdict set), a failure is the drill's verdict rather than the pod's end:\n"
        '# the reason is kept in $WORK_DIR/verdict for the record step, the step ends (0) and the later steps\n'
        '# skip their work (pick.sh, drill.sh, record.sh).\n'
        'log() { printf \'[%s] %s\\n\' "$STEP" "$(one_line "$*")"; }\n'
        'fail() {\n'
        '  fail_line=$(one_line "$*${fail_note:-}")\n'
        '  printf \'[%s] FAILED: %s\\n\' "$STEP" "$fail_line" >&2\n'
        '  if [ -n "${fail_verdict:-}" ]; then put_values verdict reason "$fail_line" && exit 0; fi\n'
        '  exit "${fail_code:-1}"\n'
        '}\n'
        'one_line() { redacted "$1" | tr \'\\t\\r\\n\' \'   \' | tr -s \' \' | sed \'s/^ //; s/ $//\'; }\n'
        'sha256_of() { sha256sum < "$1" | cut -d\' \' -f1; }  # on stdin: a "\\" in FILE\'s name would start the digest\n'
        'size_of() { wc -c < "$1" | tr -d \' \'; }\n'
        '# Values handed from one step to the next: one file a value under $WORK_DIR/<set>/, read back as\n'
        '# data, never sourced (a value is never code). put_values SET NAME VALUE [NAME VALUE]...; value SET NAME.\n'
        'put_values() {\n'
        '  set_dir="$WORK_DIR/$1" && shift && mkdir -p "$set_dir"\n'
        "  # Each value whole or not at all (written aside, then renamed): the backup pod's upload reads them while the\n"
        '  # dump beside it writes them, and starts on `name`, which every writer puts last.\n'
        '  while [ $# -ge 2 ]; do printf \'%s\' "$2" > "$set_dir/.$1.new" && mv -f "$set_dir/.$1.new" "$set_dir/$1" && shift 2; done\n'
        '}\n'
        'value() { if [ -f "$WORK_DIR/$1/$2" ]; then cat "$WORK_DIR/$1/$2"; fi; }\n'
        "# Side by side: the backup pod's dump (database image) and upload (AWS CLI image) are two containers that\n"
        '# run at once, $BESIDE naming the other one, and the dump streams into the upload through the FIFO\n'
        "# $STREAM in the pod's `work` volume (no copy of the dump on the pod's disk). Neither may wait for ever on\n"
        '# the other: each writes a heartbeat into $WORK_DIR/<step>.alive every second while it lives, a count that\n'
        '# goes up by one each time, and its exit code into $WORK_DIR/<step>.status as it ends (an EXIT trap). A\n'
        '# container killed without a word (out of memory: SIGKILL runs no trap) falls silent, and after SILENCE_SECONDS\n'
        '# the other one treats it as gone. A container that never starts (its image not pulled, a Secret it names\n'
        '# missing: CreateContainerConfigError) writes no heartbeat at all, and after START_SECONDS the other one treats\n'
        "# it as gone too, rather than wait for the Job's deadline.\n"
        'STREAM=$WORK_DIR/stream\n'
        "KEPT_EXIT=3  # the upload step's exit once its backup is complete and kept (upload.sh; inject.py KEPT_EXIT)\n"
        '# shellcheck disable=SC2034  # read by record.sh, the one step that exits with it\n'
        "REDRILL_EXIT=4  # the record step's exit when its backup was deleted during a failed drill (record.sh; inject.py)\n"
        'SILENCE_SECONDS=${SILENCE_SECONDS:-60}  # set in the environment by the tests only\n'
        'START_SECONDS=${START_SECONDS:-900}  # set in the environment by the tests only\n'
        "# side_by_side: makes the FIFO (either container may start first), starts this container's heartbeat and\n"
        '# its watch on the other (watch_beside), and sets the EXIT trap.\n'
        'side_by_side() {\n'
        '  mkfifo "$STREAM" 2> /dev/null || [ -p "$STREAM" ] || fail "cannot make the FIFO $STREAM"\n'
        '  echo 0 > "$WORK_DIR/$STEP.alive"\n'
        '  (beats=0 && while sleep 1; do\n'
        '    beats=$((beats + 1)) && echo "$beats" > "$WORK_DIR/$STEP.alive.new" &&\n'
        '      mv -f "$WORK_DIR/$STEP.alive.new" "$WORK_DIR/$STEP.alive"\n'
        '  done) > /dev/null 2>&1 &\n'
        '  heartbeat=$!\n'
        '  watch_beside "$BESIDE" > /dev/null 2>&1 &\n'
        '  watch=$!\n'
        "  trap 'side_by_side_end $?' EXIT\n"
        '}\n'
        'side_by_side_end() {\n'
        '  # KEPT_EXIT says "the backup is complete and kept" to the Job\'s podFailurePolicy (FailJob, no retry). Only a\n'
        '  # fail once the backup is complete says it ($fail_code, upload.sh): a command that happens to exit with that\n'
        "  # code under -e (curl's 3, say) before then is a plain failure, retried, and no backup the alerts count.\n"
        '  s_status=$1\n'
        '  if [ "$s_status" = "$KEPT_EXIT" ] && [ "${fail_code:-}" != "$KEPT_EXIT" ]; then s_status=1; fi\n'
        '  echo "$s_status" > "$WORK_DIR/$STEP.status"\n'
        '  kill "$heartbeat" "$watch" 2> /dev/null || true\n'
        '  : <> "$STREAM"\n'
        '  exit "$s_status"\n'
        '}\n'
        "# watch_beside STEP: this container's watch on the container STEP, every second, in a process of its own. Time\n"
        "# is its own count of 1 s sleeps, never the clock: a heartbeat holding the time, compared with this container's\n"
        "# clock, made a live peer look silent when NTP stepped the node's clock by more than SILENCE_SECONDS (and a\n"
        '# dead one look alive when it stepped back). Once STEP has written no heartbeat at all for START_SECONDS sleeps\n'
        '# (none yet may be an image still being pulled, for a while), or once its count has stood still for\n'
        '# SILENCE_SECONDS sleeps, writes "unstarted" or "silent" into $WORK_DIR/<this step>.saw-STEP, for gone. Once\n'
        "# STEP has failed or is gone, opens the FIFO for reading and writing and closes it again, so that this side's\n"
        '# own open of its end (which blocks until the other end is opened) returns, followed by an end of file or a\n'
        '# broken pipe. On Linux such an open never blocks (fifo(7)), so neither the watch nor the trap can hang.\n'
        'watch_beside() {\n'
        "  w_unstarted=0 w_seen='' w_still=0\n"
        '  while sleep 1; do\n'
        '    if ! ended "$1" && ! [ -s "$WORK_DIR/$STEP.saw-$1" ]; then\n'
        '      w_beat=$(cat "$WORK_DIR/$1.alive" 2> /dev/null) || w_beat=\'\'\n'
        '      if [ -z "$w_beat" ]; then\n'
        '        w_unstarted=$((w_unstarted + 1))\n'
        '        [ "$w_unstarted" -le "$START_SECONDS" ] || echo unstarted > "$WORK_DIR/$STEP.saw-$1"\n'
        '      elif [ "$w_beat" != "$w_seen" ]; then\n'
        '        w_seen=$w_beat w_still=0\n'
        '      else\n'
        '        w_still=$((w_still + 1))\n'
        '        [ "$w_still" -le "$SILENCE_SECONDS" ] || echo silent > "$WORK_DIR/$STEP.saw-$1"\n'
        '      fi\n'
        '    fi\n'
        '    if gone "$1"; then : <> "$STREAM"; fi\n'
        '  done\n'
        '}\n'
        '# ended STEP: true once the container STEP has ended, its exit code then in $ended_status. gone STEP: true\n'
        '# once it has failed, never started (no heartbeat within START_SECONDS) or fell silent (its heartbeat still for\n'
        '# SILENCE_SECONDS), as watch_beside saw it.\n'
        'ended() { [ -f "$WORK_DIR/$1.status" ] && ended_status=$(cat "$WORK_DIR/$1.status") && [ -n "$ended_status" ]; }\n'
        'gone() {\n'
        '  if ended "$1"; then [ "$ended_status" != 0 ]; return; fi\n'
        '  [ -s "$WORK_DIR/$STEP.saw-$1" ]\n'
        '}\n'
        '# wait_for STEP FILE: waits until FILE exists or the container STEP has ended or is gone; true when FILE\n'
        '# exists. Polls every 0.2 s (GNU sleep takes fractions; both images have GNU coreutils).\n'
        'wait_for() {\n'
        '  until [ -e "$2" ]; do\n'
        '    if ended "$1" || gone "$1"; then [ -e "$2" ]; return; fi\n'
        '    sleep 0.2\n'
        '  done\n'
        '}\n'
        '# peer_failure STEP: why the container STEP is gone, for a failure line.\n'
        'peer_failure() {\n'
        '  if ended "$1"; then\n'
        '    echo "the $1 step failed (exit $ended_status; its log says why)"\n'
        '  elif [ "$(cat "$WORK_DIR/$STEP.saw-$1" 2> /dev/null)" = unstarted ]; then\n'
        '    echo "the $1 container never started within $START_SECONDS s (the pod\'s events say why)"\n'
        '  else\n'
        '    echo "the $1 step fell silent for over $SILENCE_SECONDS s (killed? out of memory? the pod\'s events say)"\n'
        '  fi\n'
        '}\n'
        '# Set up before anything can fail: a step that ended without its status (a failure before its trap was set)\n'
        "# would leave the other waiting on it until the Job's deadline.\n"
        '[ -z "${BESIDE:-}" ] || side_by_side\n'
        '# Object names: <prefix>/<namespace>/<release>-<yyyymmddThhmmssZ>-<cluster>.sql (one object) or\n'
        '# .native (the folder a CockroachDB BACKUP writes), with <name>.json beside it, written last (s3.sh\n'
        '# our_backups: when a backup is complete and ours); safety dumps the same with "pre-restore-" before the\n'
        '# release (renderer/restore/backups.py reads both).\n'
        'key_of() { printf \'%s%s\' "${S3_PREFIX:+$S3_PREFIX/}" "$1"; }\n'
        '# object_name STAMP CLUSTER FORMAT: the name under the prefix of what this release writes at STAMP from\n'
        '# database cluster CLUSTER (a safety dump when $DUMP_PREFIX is set). Namespace and cluster are in every\n'
        '# name, so two releases of one name in two namespaces or two clusters never write one key, even in one second.\n'
        'object_name() { printf \'%s/%s%s-%s-%s.%s\' "$NAMESPACE" "${DUMP_PREFIX:-}" "$RELEASE" "$1" "$2" "$3"; }\n'
        'UNRESERVED=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~\n'
        '# percent TEXT KEEP: TEXT percent-encoded byte by byte (upper-case hex), but for the ASCII characters in KEEP.\n'
        'percent() {\n'
        '  printf \'%s\' "$1" | od -An -v -tu1 | LC_ALL=C awk -v keep="$2" \\\n'
        '    \'{ for (i = 1; i <= NF; i++) { c = sprintf("%c", $i); if ($i < 128 && index(keep, c)) printf "%s", c; else printf "%%%02X", $i } }\'\n'
        '}\n'
        '# Every byte percent-encoded (valid in a URL query whatever the key holds: "/", "+", "=").\n'
        'urlencode() { percent "$1" ""; }\n'
        '# backup_url KEY: where a native BACKUP writes (and RESTORE reads), with the HMAC keys in it as\n'
        '# CockroachDB wants them. It holds the secret key: never log it (every logged line is redacted).\n'
        'backup_url() {\n'
        '  printf \'s3://%s/%s?AWS_ENDPOINT=%s&AWS_REGION=%s&AWS_ACCESS_KEY_ID=%s&AWS_SECRET_ACCESS_KEY=%s\' "$S3_BUCKET" \\\n'
        '    "$(percent "$1" "$UNRESERVED/")" "$(urlencode "$S3_ENDPOINT")" "${AWS_DEFAULT_REGION:-us-east-1}" \\\n'
        '    "$(urlencode "$AWS_ACCESS_KEY_ID")" "$(urlencode "$AWS_SECRET_ACCESS_KEY")"\n'
        '}\n'
        '# secret_forms SECRET: the ways a program may quote SECRET, one a line (none holds a newline):\n'
        '# percent-encoded (every byte, lower and upper case hex; or RFC 3986 style, "/" kept or not, space as\n'
        '# %20 or "+"), and escaped as Python\'s repr (str and bytes, either quote), JSON and Go\'s %q do\n'
        '# ("\\\\", "\\n", "\\t", "\\r", "\\xNN", "\\u00NN", "\\\'", "\\""; JSON\'s ASCII-only "\\uXXXX" too).\n'
        'secret_forms() {\n'
        '  urlencode "$1" | tr \'A-F\' \'a-f\' && echo && urlencode "$1" && echo\n'
        '  for keep in "$UNRESERVED" "$UNRESERVED/"; do\n'
        '    form=$(percent "$1" "$keep") && printf \'%s\\n\' "$form" | sed \'s/%20/+/g\' && printf \'%s\\n\' "$form"\n'
        '  done\n'
        '  printf \'%s\' "$1" | od -An -v -tu1 | LC_ALL=C awk \'\n'
        '    function esc(b, quote, raw, u) {\n'
        '      if (b == 92) return "\\\\\\\\"; if (b == 10) return "\\\\n"; if (b == 13) return "\\\\r"; if (b == 9) return "\\\\t"\n'
        '      if (b == quote) return "\\\\" sprintf("%c", b)\n'
        '      if (b < 32 || b == 127 || (b >= 128 && !raw)) return u ? sprintf("\\\\u%04x", b) : sprintf("\\\\x%02x", b)\n'
        '      return sprintf("%c", b)\n'
        '    }\n'
        '    { for (i = 1; i <= NF; i++) bytes[n++] = $i }\n'
        '    END {\n'
        '      split("39 0 0|34 0 0|39 1 0|34 1 0|34 1 1|0 1 0", modes, "|")\n'
        '      for (m = 1; m <= 6; m++) {\n'
        '        split(modes[m], mode, " "); line = ""\n'
        '        for (i = 0; i < n; i++) line = line esc(bytes[i], mode[1] + 0, mode[2] + 0, mode[3] + 0)\n'
        '        print line\n'
        '      }\n'
        '      # JSON with ASCII only: a non-ASCII character as \\uXXXX (UTF-16, so a surrogate pair beyond U+FFFF).\n'
        '      line = ""\n'
        '      for (i = 0; i < n; i++) {\n'
        '        b = bytes[i]\n'
        '        if (b < 192) { line = line esc(b, 34, 0, 1); continue }\n'
        '        more = b >= 240 ? 3 : b >= 224 ? 2 : 1; cp = b - (more == 3 ? 240 : more == 2 ? 224 : 192)\n'
        '        for (k = 0; k < more; k++) cp = cp * 64 + bytes[++i] - 128\n'
        '        if (cp > 65535) { cp -= 65536; line = line sprintf("\\\\u%04x\\\\u%04x", 55296 + int(cp / 1024), 56320 + cp % 1024) }\n'
        '        else line = line sprintf("\\\\u%04x", cp)\n'
        '      }\n'
        '      print line\n'
        "    }'\n"
        '}\n'
        '# replaced TEXT NEEDLE: TEXT with every NEEDLE (taken literally) replaced by "(redacted)".\n'
        'replaced() {\n'
        "  rest=$1 done_=''\n"
        '  [ -n "$2" ] || { printf \'%s\' "$1"; return; }\n'
        '  while :; do\n'
        '    case $rest in\n'
        '      *"$2"*) done_="$done_${rest%%"$2"*}(redacted)" && rest=${rest#*"$2"} ;;\n'
        '      *) break ;;\n'
        '    esac\n'
        '  done\n'
        '  printf \'%s\' "$done_$rest"\n'
        '}\n'
        '# redacted TEXT: TEXT without the HMAC keys, found by their exact values in every form above, raw\n'
        '# and with surrounding white space trimmed (a Secret written with a trailing newline), and without\n'
        "# the values of a backup URL's key parameters, whatever they hold.\n"
        'redacted() {\n'
        '  out=$1\n'
        '  for secret in "${AWS_SECRET_ACCESS_KEY:-}" "${AWS_ACCESS_KEY_ID:-}"; do\n'
        '    [ -n "$secret" ] || continue\n'
        '    forms=$(secret_forms "$secret")\n'
        '    while IFS= read -r form; do out=$(replaced "$out" "$form"; printf .) && out=${out%.}; done <<FORMS\n'
        '$forms\n'
        'FORMS\n'
        '    trimmed=$(printf \'%s\' "$secret" | sed \'s/^[[:space:]]*//; s/[[:space:]]*$//\')\n'
        '    out=$(replaced "$out" "$secret"; printf .) && out=${out%.}\n'
        '    out=$(replaced "$out" "$trimmed"; printf .) && out=${out%.}\n'
        '  done\n'
        '  printf \'%s\' "$out" | sed \'s/\\(AWS_[A-Z_]*KEY[A-Z_]*=\\)[^&\'"\'"\' ]*/\\1redacted/g\'\n'
        '}\n'
        '# JSON_TEXT (awk): its input\'s bytes as ONE JSON string, the way Python\'s json.dumps(data.decode("utf-8",\n'
        '# "replace"), ensure_ascii=False) writes it (tests/unit/test_shell_lib.py holds it to that, on gawk and mawk):\n'
        '# \'"\' and \'\\\' escaped, \\n \\r \\t \\b \\f, the other control characters as \\u00XX, valid UTF-8 as it is, and each\n'
        '# maximal invalid sequence as U+FFFD (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal Subparts").\n'
        "# Neither image has a JSON tool: the AWS CLI image's jq came only with 2.27.57 (docs/images.md), and awk\n"
        "# is in both. Bytes, not characters: run with LC_ALL=C. It holds one line at a time, whatever the input's\n"
        '# size. The input ends with one extra byte (json_text adds it) so that a last newline is seen.\n'
        "# shellcheck disable=SC2016  # $0, $1... are awk's, not the shell's\n"
        "JSON_TEXT='\n"
        '  function text(s,   out, i, n, b, need, j, c) {\n'
        '    out = ""; n = length(s)\n'
        '    for (i = 1; i <= n; i++) {\n'
        '      b = ord[substr(s, i, 1)]\n'
        '      if (b == 34) out = out "\\\\\\""; else if (b == 92) out = out "\\\\\\\\"\n'
        '      else if (b >= 32 && b < 128) out = out substr(s, i, 1)\n'
        '      else if (b < 32) out = out (b in short ? short[b] : sprintf("\\\\u%04x", b))\n'
        '      else {\n'
        '        need = b >= 194 && b <= 223 ? 1 : b >= 224 && b <= 239 ? 2 : b >= 240 && b <= 244 ? 3 : 0\n'
        '        for (j = 1; j <= need && i + j <= n; j++) {\n'
        '          c = ord[substr(s, i + j, 1)]\n'
        '          if (c < 128 || c > 191) break\n'
        '          if (j == 1 && ((b == 224 && c < 160) || (b == 237 && c > 159) || (b == 240 && c < 144) || (b == 244 && c > 143))) break\n'
        '        }\n'
        '        if (need && j > need) { out = out substr(s, i, need + 1); i += need }\n'
        '        else { out = out "\\357\\277\\275"; if (need) i += j - 1 }\n'
        '      }\n'
        '    }\n'
        '    return out\n'
        '  }\n'
        '  BEGIN {\n'
        '    for (b = 1; b < 256; b++) ord[sprintf("%c", b)] = b\n'
        '    short[8] = "\\\\b"; short[9] = "\\\\t"; short[10] = "\\\\n"; short[12] = "\\\\f"; short[13] = "\\\\r"\n'
        '    printf "\\""\n'
        '  }\n'
        '  NR > 1 { printf "%s\\\\n", text(last) }\n'
        '  { last = $0 }\n'
        '  END { printf "%s\\"", text(substr(last, 1, length(last) - 1)) }\'\n'
        '# json_text: standard input as one JSON string (JSON_TEXT). json_string TEXT: TEXT as one JSON string.\n'
        'json_text() { { cat; printf .; } | LC_ALL=C awk "$JSON_TEXT"; }\n'
        'json_string() { printf \'%s\' "$1" | json_text; }\n'
        '# The value of a top-level field of a metadata object written by this tool (one field a line).\n'
        'meta_field() {\n'
        '  sed -n -e "s/^  \\"$1\\": \\"\\(.*\\)\\",\\{0,1\\}\\$/\\1/p" -e "s/^  \\"$1\\": \\([0-9][0-9]*\\),\\{0,1\\}\\$/\\1/p" "$2"\n'
        '}\n'
        '# The tables a backup counts (its metadata\'s "tables", db_table_counts in both database seams): every base\n'
        '# table of the database in every schema, not only public (CockroachDB has user-defined schemas from v20.2,\n'
        "# cockroachlabs.com/docs/v20.2/create-schema), but the catalogs' (CockroachDB lists pg_catalog,\n"
        "# information_schema, crdb_internal and pg_extension in each database's information_schema; PostgreSQL the\n"
        '# first two). SQL for a WHERE clause on information_schema.tables.\n'
        '# shellcheck disable=SC2034  # read by the database seam (db_counts), which a step without a database lacks\n'
        'COUNTED_TABLES="table_type = \'BASE TABLE\' AND table_schema NOT IN (\'pg_catalog\', \'information_schema\', \'crdb_internal\', \'pg_extension\')"\n'
        '# The name a table is counted under, as SQL on information_schema.tables: its bare name in schema public when\n'
        '# that name holds no "." and no \'"\' (as every backup named its tables before other schemas were counted, so\n'
        '# their metadata still compares), else <schema>.<table>, each part quoted as an identifier when it must be\n'
        '# (quote_ident, both databases): "a.b" in public is public."a.b", table b of schema a is a.b, never one name\n'
        '# for two tables. The dump\'s "CREATE TABLE a.b (" is what the SQL text check looks for (NOT_CREATED).\n'
        '# shellcheck disable=SC2034  # read by the database seam (db_counts), which a step without a database lacks\n'
        'COUNTED_NAME="CASE WHEN table_schema = \'public\' AND strpos(table_name, \'.\') = 0 AND strpos(table_name, \'\\"\') = 0 \\\n'
        'THEN table_name::TEXT ELSE quote_ident(table_schema::TEXT) || \'.\' || quote_ident(table_name::TEXT) END"\n'
        '# The "tables" of a metadata object, one \'"name": rows\' line a table, as db_table_counts gives them (the\n'
        '# name JSON-escaped by the database, so one line whatever it holds), sorted.\n'
        'meta_tables() {\n'
        '  sed -n \'/^  "tables": {/,/^  }/p\' "$1" | sed -n \'s/^    \\(".*": [0-9][0-9]*\\),\\{0,1\\}$/\\1/p\' | LC_ALL=C sort\n'
        '}\n'
        '# pid_ended PID: true once the child PID has ended: gone (bash reaps its children as they end) or a zombie\n'
        '# (dash waits to), by the state in /proc/<pid>/stat, after the command name in parentheses (proc(5)). A child\n'
        '# that has ended is a zombie until waited for, and `kill -0` still finds it.\n'
        'pid_ended() {\n'
        '  pid_state=$(sed \'s/.*) //\' "/proc/$1/stat" 2> /dev/null | cut -d\' \' -f1) || pid_state=\'\'\n'
        '  [ -z "$pid_state" ] || [ "$pid_state" = Z ]\n'
        '}\n'
        "# alive WHAT MEASURE COMMAND...: runs COMMAND (its standard input this function's; its output into $alive_log)\n"
        '# and, while it runs, says every $PROGRESS_SECONDS (30 by default) that it is alive: "WHAT: <s> s", after\n'
        '# what MEASURE measures: "read TOTAL", the bytes of TOTAL read so far on COMMAND\'s standard input (the offset\n'
        '# of that input, pos in /proc/<pid>/fdinfo/0, proc(5): the subshell and the program it runs share the open\n'
        '# file, and so its offset); "written FILE", the bytes in FILE so far; "" nothing. A dump, a download, an\n'
        '# import or a RESTORE of a large database runs for hours, and helm datashield-restore shows these lines as\n'
        "# they come (issue 24 §4). Returns COMMAND's exit status, read from a file (pid_ended). Its files are the step's\n"
        '# own ($STEP.command.*): two steps side by side share $WORK_DIR.\n'
        'alive() {\n'
        '  alive_what=$1 alive_measure=$2 alive_log="$WORK_DIR/$STEP.command.log" && shift 2\n'
        '  rm -f "$WORK_DIR/$STEP.command.status"\n'
        "  # An asynchronous list's standard input is /dev/null unless redirected explicitly (POSIX, Shell Command\n"
        "  # Language 2.9.3): this function's goes to it through fd 3.\n"
        '  exec 3<&0\n'
        '  { alive_exit=0; "$@" > "$alive_log" 2>&1 || alive_exit=$?; echo "$alive_exit" > "$WORK_DIR/$STEP.command.status"; } <&3 &\n'
        "  alive_pid=$! alive_start=$(date +%s) alive_waited=''\n"
        '  exec 3<&-\n'
        '  alive_next=$((alive_start + ${PROGRESS_SECONDS:-30}))\n'
        '  until [ -s "$WORK_DIR/$STEP.command.status" ]; do\n'
        '    # Ended without writing its status (killed, or a function that exits): the status from `wait`, never a\n'
        '    # wait for ever.\n'
        '    if pid_ended "$alive_pid"; then\n'
        '      alive_exit=0 alive_waited=yes && wait "$alive_pid" || alive_exit=$?\n'
        '      [ -s "$WORK_DIR/$STEP.command.status" ] || echo "$alive_exit" > "$WORK_DIR/$STEP.command.status"\n'
        '      break\n'
        '    fi\n'
        '    if [ "$(date +%s)" -ge "$alive_next" ]; then\n'
        '      case $alive_measure in\n'
        '        read\\ *) alive_done=$(sed -n \'s/^pos:[[:space:]]*//p\' "/proc/$alive_pid/fdinfo/0" 2> /dev/null) || alive_done=\'\'\n'
        '          alive_done="${alive_done:-?} of ${alive_measure#read } bytes read, " ;;\n'
        '        written\\ *) alive_done=$(size_of "${alive_measure#written }" 2> /dev/null) || alive_done=\'\'\n'
        '          alive_done="${alive_done:-0} bytes written, " ;;\n'
        "        *) alive_done='' ;;\n"
        '      esac\n'
        '      log "$alive_what: $alive_done$(($(date +%s) - alive_start)) s"\n'
        '      alive_next=$((alive_next + ${PROGRESS_SECONDS:-30}))\n'
        '    fi\n'
        '    sleep 0.2\n'
        '  done\n'
        '  # Once only: bash says on stderr that a pid waited for already "is not a child of this shell".\n'
        '  [ -n "$alive_waited" ] || wait "$alive_pid" || true\n'
        '  return "$(cat "$WORK_DIR/$STEP.command.status")"\n'
        '}\n'),
    'load.sh': (
        '# load: the steps that load a backup into a database (restore.sh, drill.sh; database client image).\n'
        '# load_backup KEY FORMAT: the backup KEY, verified by verify_backup (s3.sh) in an earlier step, into\n'
        "# $DATABASE_NAME, which does not exist (native: CockroachDB's RESTORE from the bucket; sql: create it and\n"
        '# import $WORK_DIR/restore.sql); then the rows of every table counted into $WORK_DIR/restored-tables and\n'
        '# compared with $WORK_DIR/expected-tables (when the metadata recorded counts). Before each part it calls\n'
        "# `state WHAT`, the step's own: what a failure there leaves the database as (the restore step says it with\n"
        "# every failure; the drill's throwaway database needs no such word).\n"
        'load_backup() {\n'
        '  if [ "$2" = native ]; then\n'
        '    log "RESTORE DATABASE $DATABASE_NAME FROM LATEST IN s3://$S3_BUCKET/$1"\n'
        '    state "is dropped, or partly restored from $1"\n'
        '    load_status=0\n'
        '    alive "restoring (RESTORE)" "" db_restore_native "$(backup_url "$1")" < /dev/null || load_status=$?\n'
        '    [ "$load_status" = 0 ] || fail "RESTORE failed: $(cat "$alive_log")"\n'
        '  else\n'
        '    state "is dropped (it does not exist now)"\n'
        '    db_create || fail "cannot create $DATABASE_NAME"\n'
        '    total=$(size_of "$WORK_DIR/restore.sql")\n'
        '    log "importing $total bytes"\n'
        '    state "holds part of $1 (the import stopped)"\n'
        '    load_status=0\n'
        '    alive importing "read $total" db_import < "$WORK_DIR/restore.sql" || load_status=$?\n'
        '    [ "$load_status" = 0 ] || fail "the import failed (exit $load_status): $(tail -n 3 "$alive_log")"\n'
        '  fi\n'
        '  state "holds $1, but its row counts could not be checked"\n'
        '  # Kept only when complete: the drill record shows these counts, or none.\n'
        '  rm -f "$WORK_DIR/restored-tables"\n'
        '  db_table_counts > "$WORK_DIR/counting" || fail "cannot count the rows of the restored tables"\n'
        '  mv "$WORK_DIR/counting" "$WORK_DIR/restored-tables"\n'
        '  state "holds $1, with other row counts than its metadata records"\n'
        '  if [ -f "$WORK_DIR/expected-tables" ]; then\n'
        '    compared="$WORK_DIR/restored-tables"\n'
        '    if [ -f "$WORK_DIR/public-only" ]; then\n'
        '      # Metadata written when only the tables of public were counted (s3.sh verify_backup): those compared.\n'
        '      LC_ALL=C awk "$PUBLIC_TABLES" "$WORK_DIR/restored-tables" > "$WORK_DIR/restored-public-tables"\n'
        '      compared="$WORK_DIR/restored-public-tables"\n'
        '      others=$(($(grep -c . "$WORK_DIR/restored-tables" || true) - $(grep -c . "$compared" || true)))\n'
        '      [ "$others" = 0 ] || log "the backup\'s metadata counts the tables of schema public only (written before \\\n'
        'other schemas were counted): tables of other schemas restored but not compared: $others"\n'
        '    fi\n'
        '    differ=$(tables_differ "$WORK_DIR/expected-tables" "$compared") ||\n'
        '      fail "cannot compare the row counts of the restored tables with the backup\'s metadata"\n'
        '    [ -z "$differ" ] || fail "the restored tables differ from the backup\'s metadata: $differ"\n'
        '  fi\n'
        '}\n'
        '# PUBLIC_TABLES (awk, LC_ALL=C): the \'"name": rows\' lines of tables of public (COUNTED_NAME: a name with\n'
        '# no "." and no \'"\', or public."<name>"), what metadata without "tableNames" counted.\n'
        "# shellcheck disable=SC2016  # $0 is awk's\n"
        'PUBLIC_TABLES=\'{ key = substr($0, 2, match($0, /": [0-9]+$/) - 2) }\n'
        '  (!index(key, ".") && !index(key, "\\\\\\"")) || substr(key, 1, 9) == "public.\\\\\\""\'\n'
        '# TABLES_DIFFER (awk): the tables whose row counts differ, from two files of the database\'s own \'"name": rows\'\n'
        '# lines (db_table_counts, meta_tables: sorted; either may be empty), the metadata\'s first: \'"t7": 1 rows, the metadata records 2\',\n'
        '# \'"x": missing, the metadata records 3\', then the database\'s others, \'"y": 4 rows, not in the metadata\';\n'
        '# at most 5, then "and N more" (a count of every table, twice, would be a line of thousands of tables that\n'
        '# never says which one differs). A name is the JSON string the database escaped (quotes, spaces, "\\n" in it):\n'
        '# each line is split after its closing quote, before the last ": " (the digits hold none). Counts are\n'
        "# compared as text, byte for byte (no number of awk's rounds them). Nothing when every count is as recorded.\n"
        "# shellcheck disable=SC2016  # $0, $1... are awk's fields, not the shell's\n"
        "TABLES_DIFFER='function split_line() { match($0, /: [0-9]+$/); name = substr($0, 1, RSTART - 1); rows = substr($0, RSTART + 2) }\n"
        '  function show(text) { if (++shown <= 5) out = out (shown > 1 ? "; " : "") name ": " text }\n'
        '  FILENAME == ARGV[1] { split_line(); recorded[name] = rows; order[++n] = name; next }\n'
        '  { split_line(); restored[name] = rows; if (!(name in recorded)) extra[++m] = name }\n'
        '  END {\n'
        '    for (i = 1; i <= n; i++) {\n'
        '      name = order[i]\n'
        '      if (!(name in restored)) show("missing, the metadata records " recorded[name])\n'
        '      else if (restored[name] != recorded[name]) show(restored[name] " rows, the metadata records " recorded[name])\n'
        '    }\n'
        '    for (i = 1; i <= m; i++) { name = extra[i]; show(restored[name] " rows, not in the metadata") }\n'
        '    if (shown > 5) out = out "; and " (shown - 5) " more"\n'
        '    printf "%s", out\n'
        "  }'\n"
        '# tables_differ RECORDED RESTORED: TABLES_DIFFER of the two files.\n'
        'tables_differ() { LC_ALL=C awk "$TABLES_DIFFER" "$1" "$2"; }\n'
        '# tables_checked: what load_backup compared the row counts with, for the log.\n'
        'tables_checked() {\n'
        '  if [ -f "$WORK_DIR/expected-tables" ]; then echo "row counts as recorded"; else echo "no row counts recorded to compare"; fi\n'
        '}\n'),
    'pick.sh': (
        '# Step "pick" (AWS CLI image), restore drill: the newest complete backup of this release (latest_backup,\n'
        '# the one rule of "latest"), its metadata checked to name it, this release and namespace, and its data\n'
        "# checked against the recorded size and SHA-256 (verify_backup, as the restore Job's fetch step does).\n"
        '# Nothing is written or deleted. No backup to drill, or a bucket that cannot be listed, ends the pod\n'
        "# here, with no record; from the moment a backup is picked, a failure is the drill's verdict (lib.sh fail).\n"
        '# Not beside a restore (kube.sh in_restore_mode): the drill must not take for the newest backup one that a\n'
        '# restore under way is about to make stale, nor load the database cluster while it imports.\n'
        'refuse_in_restore_mode drill\n'
        'put_values drill started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"\n'
        '# Listed first, on its own: a listing that fails stops here with its reason ("could not look"). Any\n'
        "# database cluster's newest backup: the drill restores into a throwaway database, never onto a cluster.\n"
        'latest_backup any\n'
        'key=$(cat "$WORK_DIR/latest")\n'
        'put_values drill key "$key" format "${key##*.}"\n'
        'fail_verdict=1\n'
        'log "drilling s3://$S3_BUCKET/$key"\n'
        'verify_backup "$key" drill\n'
        'log "verified $key: $size bytes, sha256 $sha256"\n'),
    'record.sh': (
        '# Step "record" (AWS CLI image), restore drill: writes the drill record beside the backup,\n'
        '# <key>.drill-<yyyymmddThhmmssZ>.json (the time the drill started), one field a line as the upload step\n'
        '# writes metadata and "tables" last (what the throwaway database held; "expectedTables", what the\n'
        "# backup's metadata records), uploaded and checked by the store (put_checked). Then the pod ends as the drill\n"
        '# did: 0 when it is OK, "drill FAILED: <reason>" otherwise. A backup deleted while it was drilled (a\n'
        "# backup's retention ran meanwhile) gets no record beside it (one nothing lists): OK, it restored, and only the\n"
        '# copies of the record say so; FAILED, nothing was proven or disproven (the deletion may be the failure), so no\n'
        '# record is written (a FAILED verdict would raise the drill alert for a backup that no longer exists) and the pod\n'
        "# exits REDRILL_EXIT (lib.sh): the drill CronJob's podFailurePolicy ignores that pod's failure and the Job starts\n"
        '# another, which drills the newest backup. Exiting 0 there made the Job a success, which the drill alerts and\n'
        '# --status count as a proven restore (issue 25). upload.sh deletes a record that still lands just after its\n'
        '# backup was deleted.\n'
        '# Only the branch below that says so exits REDRILL_EXIT: any other exit with that code (a command failing with 4\n'
        '# under -e) is a plain failure, which the Job must not ignore.\n'
        'record_end() { [ "$1" != "$REDRILL_EXIT" ] || [ -n "${redrill:-}" ] || exit 1; }\n'
        "trap 'record_end $?' EXIT\n"
        'key=$(value drill key) format=$(value drill format) started=$(value drill started)\n'
        '[ -n "$key" ] || fail "no backup picked in $WORK_DIR: the pick step did not finish"\n'
        '# The metadata object is deleted last (upload.sh delete_pair): while it is there, the backup is.\n'
        'present=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$key.json" --output json \\\n'
        '  --query "Contents[?Key == \\`$(json_string "$key.json")\\`].Key" 2>&1) ||\n'
        '  fail "cannot check that s3://$S3_BUCKET/$key is still there, so no drill record is written: $present"\n'
        'deleted=\n'
        'printf \'%s\\n\' "$present" | grep -qxF "    $(json_string "$key.json")" || deleted=1\n'
        'finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n'
        'reason=$(value verdict reason)\n'
        'verdict=OK\n'
        '[ -z "$reason" ] || verdict=FAILED\n'
        "# Deleted during the drill and FAILED: the failure may be the deletion's (a native RESTORE reading a folder being\n"
        '# deleted), so nothing was proven or disproven. Deleted and OK: the backup did restore (an SQL dump is downloaded\n'
        "# whole before its import), and the copies say so (a record beside a deleted backup is one nothing lists): the Job's\n"
        '# success, which the drill alerts count, is then a proven restore that --status counts too.\n'
        'if [ -n "$deleted" ] && [ "$verdict" != OK ]; then\n'
        '  log "s3://$S3_BUCKET/$key was deleted during the drill (a backup\'s retention): nothing was proven or disproven, \\\n'
        'no drill record is written; exit $REDRILL_EXIT: the Job starts another pod, which drills the newest backup"\n'
        '  redrill=1 && exit "$REDRILL_EXIT"\n'
        'fi\n'
        'record="$key.drill-$(printf \'%s\' "$started" | tr -d \':-\').json"\n'
        '{\n'
        '  printf \'{\\n  "writer": "helm-datashield",\\n  "kind": "drill",\\n  "backup": %s,\\n\' "$(json_string "$key")"\n'
        '  printf \'  "format": "%s",\\n\' "$format"\n'
        '  printf \'  "release": %s,\\n  "namespace": %s,\\n\' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"\n'
        '  printf \'  "started": "%s",\\n  "finished": "%s",\\n\' "$started" "$finished"\n'
        '  # The pod (<job>-<suffix>): --status tells which Job wrote a record by it, not by clocks that may differ.\n'
        '  printf \'  "pod": %s,\\n\' "$(json_string "${POD_NAME:-}")"\n'
        '  printf \'  "durationSeconds": %s,\\n\' "$(($(date -u -d "$finished" +%s) - $(date -u -d "$started" +%s)))"\n'
        '  printf \'  "verdict": "%s",\\n\' "$verdict"\n'
        "  # The reason quotes what failed (psql's lines, in any encoding): json_text (lib.sh) makes it one JSON string, invalid\n"
        '  # UTF-8 as U+FFFD, control characters escaped, so the record stays valid JSON and one field a line.\n'
        '  [ -z "$reason" ] || printf \'  "reason": %s,\\n\' "$(json_text < "$WORK_DIR/verdict/reason")"\n'
        '  printf \'  "expectedTables": {\'\n'
        '  if [ -f "$WORK_DIR/expected-tables" ]; then awk \'NR > 1 { printf ", " } { printf "%s", $0 }\' "$WORK_DIR/expected-tables"; fi\n'
        "  printf '},\\n'\n"
        '  tables_json "$WORK_DIR/restored-tables"\n'
        '} > "$WORK_DIR/drill.json"\n'
        '[ -n "$deleted" ] || put_checked "$WORK_DIR/drill.json" "$record"\n'
        "# Retention deletes a backup's records with it, so that what a drill proved outlives the backup (for the drill\n"
        "# schedule's promise, --status, issue 25), two copies that every drill overwrites and no retention deletes:\n"
        "# the last drill's record, and the last successful drill's (renderer/restore/drills.py copy_keys).\n"
        'put_checked "$WORK_DIR/drill.json" "$(key_of "$NAMESPACE/.datashield-last-drill-$RELEASE.json")"\n'
        '[ "$verdict" != OK ] ||\n'
        '  put_checked "$WORK_DIR/drill.json" "$(key_of "$NAMESPACE/.datashield-last-successful-drill-$RELEASE.json")"\n'
        '[ "$verdict" = OK ] || fail "drill FAILED: $reason"\n'
        'if [ -n "$deleted" ]; then\n'
        '  log "drill OK: s3://$S3_BUCKET/$key restored, and was deleted during the drill (a backup\'s retention): no record beside it; the copies of the record say OK"\n'
        'else\n'
        '  log "drill OK: s3://$S3_BUCKET/$key restores; the record is s3://$S3_BUCKET/$record"\n'
        'fi\n'),
    'restore.sh': (
        '# Step "restore" (database client image), restore mode: replaces the database with the\n'
        '# backup that the fetch step verified (drop, then load_backup, lib.sh: SQL text: create, import;\n'
        "# native: CockroachDB's RESTORE from the bucket; then every table's row count checked against the\n"
        "# backup's metadata).\n"
        'restore_key=$(value restore key) restore_format=$(value restore format) safety=$(value safety name)\n'
        '[ -n "$restore_key" ] || fail "no verified backup in $WORK_DIR: the fetch step did not finish"\n'
        '# From the DROP on, every failure says what state the database is in and the one command that puts\n'
        '# the data from before back.\n'
        'if [ -n "$safety" ]; then\n'
        '  put_back="the data from before is s3://$S3_BUCKET/$(key_of "$safety"); to put it back: helm datashield-restore \\\n'
        '$RELEASE -n $NAMESPACE --chart <the chart $RELEASE runs> --from $safety"\n'
        'else\n'
        '  put_back="it was missing or empty before this restore (no safety dump): there is no data from before to put back"\n'
        'fi\n'
        'state() { fail_note="; $DATABASE_NAME $1; $put_back"; }\n'
        'log "dropping $DATABASE_NAME"\n'
        'state "may be dropped or unchanged (the DROP failed)"\n'
        'db_drop || fail "cannot drop $DATABASE_NAME"\n'
        'load_backup "$restore_key" "$restore_format"\n'
        'log "restored $DATABASE_NAME: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $(tables_checked)"\n'),
    's3.sh': (
        '# s3: the object store, through the AWS CLI (the same commands in AWS CLI v1 and v2). Each call\n'
        '# may take $S3_CALL_TIMEOUT seconds at most: a server that hangs or crawls fails the step with\n'
        "# a log line that says so (the CLI's own timeouts only catch a silent connection), instead of\n"
        "# running until the Job's activeDeadlineSeconds kills the pod without a word. The CLI's standard error goes\n"
        '# through a file, $S3_STDERR when set: a call made in the background sets its own, or it and a call of the\n'
        "# step's own would truncate and delete each other's.\n"
        's3() {\n'
        '  s3_status=0 s3_stderr=${S3_STDERR:-$WORK_DIR/s3.stderr}\n'
        '  timeout "$S3_CALL_TIMEOUT" aws --endpoint-url "$S3_ENDPOINT" "$@" 2> "$s3_stderr" || s3_status=$?\n'
        '  if [ "$s3_status" = 0 ]; then\n'
        '    cat "$s3_stderr" >&2\n'
        '  elif [ "$s3_status" = 124 ]; then\n'
        '    printf \'no answer from %s within %s s (S3_CALL_TIMEOUT)\\n\' "$S3_ENDPOINT" "$S3_CALL_TIMEOUT" >&2\n'
        '  else\n'
        '    s3_reason "$s3_status" "$s3_stderr" >&2\n'
        '  fi\n'
        '  rm -f "$s3_stderr"\n'
        '  return "$s3_status"\n'
        '}\n'
        '# s3_reason STATUS FILE: why the AWS CLI failed with STATUS, from its standard error in FILE, on one line and never\n'
        '# empty: callers put it after "FAILED: <what>: ".\n'
        's3_reason() {\n'
        '  reason=$(one_line "$(cat "$2")")\n'
        '  printf \'%s\\n\' "${reason:-the AWS CLI exited with code $1 and gave no reason}"\n'
        '}\n'
        "# put_verified FILE KEY [SHA256]: uploads FILE, reads it back as a stream (no second file on the pod's\n"
        "# disk) and compares its SHA-256 with SHA256 (what the step that wrote FILE recorded; FILE's own when not\n"
        '# given); fails loudly otherwise. A FILE that changed on the disk since SHA256 was taken fails the same way.\n'
        'put_verified() {\n'
        '  log "uploading s3://$S3_BUCKET/$2 ($(size_of "$1") bytes)"\n'
        '  alive "uploading s3://$S3_BUCKET/$2" "" \\\n'
        '    s3 s3 cp --only-show-errors --metadata "writer=helm-datashield,release=$RELEASE" "$1" "s3://$S3_BUCKET/$2" \\\n'
        '    < /dev/null || fail "upload to s3://$S3_BUCKET/$2 failed: $(cat "$alive_log")"\n'
        '  read_back "$2" "${3:-$(sha256_of "$1")}"\n'
        '}\n'
        "# put_checked FILE KEY: uploads FILE, a JSON record (a drill's, a restore run's), in one call that the store verifies: with\n"
        '# its Content-MD5 (RFC 1864), which S3, IBM COS and SeaweedFS compare with the bytes they received, refusing the PUT\n'
        '# (BadDigest) when they differ (docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). One AWS CLI start-up\n'
        "# where put_verified takes two (issue 23). The dumps and the backups' metadata objects are still read back\n"
        "# (put_verified): what a restore needs, and retention's clock check reads the metadata's LastModified.\n"
        'put_checked() {\n'
        '  log "uploading s3://$S3_BUCKET/$2 ($(size_of "$1") bytes)"\n'
        '  md5=$(md5_base64 "$1")\n'
        '  [ "${#md5}" = 24 ] || fail "cannot take the MD5 of $1 for its upload to s3://$S3_BUCKET/$2: \\"$md5\\""\n'
        '  out=$(s3 s3api put-object --bucket "$S3_BUCKET" --key "$2" --body "$1" --content-md5 "$md5" \\\n'
        '    --content-type application/json --metadata "writer=helm-datashield,release=$RELEASE" 2>&1 > /dev/null) ||\n'
        '    fail "upload to s3://$S3_BUCKET/$2 failed: $out"\n'
        '}\n'
        "# md5_base64 FILE: FILE's MD5 as Content-MD5 carries it (RFC 1864: the 16 bytes in base64), from md5sum's hex digits\n"
        "# (awk makes each pair an octal escape of printf, which dash's printf and bash's both read). The file on standard\n"
        '# input: md5sum writes a "\\" before the digest of a file whose name holds a "\\" or a newline.\n'
        'md5_base64() {\n'
        '  # shellcheck disable=SC2059  # the format is octal escapes only, made here from hex digits\n'
        '  printf "$(md5sum < "$1" | cut -c1-32 | LC_ALL=C awk \'{ for (i = 1; i < 32; i += 2)\n'
        '    printf "\\\\%03o", index("0123456789abcdef", substr($0, i, 1)) * 16 + index("0123456789abcdef", substr($0, i + 1, 1)) - 17 }\')" |\n'
        '    base64\n'
        '}\n'
        '# read_back KEY SHA256 [delete]: reads the object KEY back as a stream (summed_size, summed_sha256: get_summed)\n'
        '# and fails the step unless its SHA-256 is SHA256, having deleted the object first when asked (deleted).\n'
        'read_back() {\n'
        '  get_summed "$1" /dev/null "reading back s3://$S3_BUCKET/$1 failed"\n'
        '  [ "$summed_sha256" != "$2" ] || return 0\n'
        '  fail "s3://$S3_BUCKET/$1 does not match what was uploaded (SHA-256 differs)${3:+: $(deleted "$1" "it")}"\n'
        '}\n'
        '# read_back_dump KEY CKSUM TABLES: reads the SQL dump put_streamed wrote to KEY back as one stream, and fails the\n'
        '# step, having deleted the object (no metadata yet: no backup), unless it matches the stream that went up and\n'
        '# creates every table that TABLES counts (the dump step\'s \'"name": rows\' lines; nothing is compared when it is\n'
        '# empty). Sets summed_size (bytes).\n'
        '# - Compared by `cksum` (POSIX: CRC-32 and length in bytes), taken of the same stream as the SHA-256 that the\n'
        '#   metadata records (put_streamed): the read-back is there to catch a store that lost, cut or damaged bytes,\n'
        "#   which a CRC is made to catch (the S3 API's own integrity checksums, CRC32, CRC32C and CRC64NVME, are CRCs:\n"
        '#   docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), and it costs a tenth of a\n'
        "#   SHA-256 (coreutils' sha256sum, about 180 MiB/s on one core of the test machine: it bounded the read-back).\n"
        '#   The SHA-256 is what the restore, the drill and --status check.\n'
        '# - The tables: the same bytes go to NOT_CREATED, which stops at the last counted CREATE TABLE (both dumps write\n'
        '#   them before any data); a `cat` then drains the rest, so that the read goes on (tee of coreutils 8.22 has no\n'
        '#   -p, and would fail on a closed pipe). A dump that counts a table it does not create fails here, when it is\n'
        '#   written, not at the next drill or a restore (issue 25, review fault 5).\n'
        'read_back_dump() {\n'
        '  rm -f "$WORK_DIR/created" && mkfifo "$WORK_DIR/created" && printf 1 > "$WORK_DIR/not-created.status"\n'
        '  { LC_ALL=C awk "$NOT_CREATED" "$3" - > "$WORK_DIR/not-created" 2>&1 && echo 0 > "$WORK_DIR/not-created.status" ||\n'
        '      echo "$?" > "$WORK_DIR/not-created.status"; cat > /dev/null; } < "$WORK_DIR/created" &\n'
        '  checking=$!\n'
        '  get_summed "$1" "$WORK_DIR/created" "reading back s3://$S3_BUCKET/$1 failed" cksum\n'
        '  wait "$checking" || true\n'
        '  rm -f "$WORK_DIR/created"\n'
        '  [ "$summed_digest" = "$2" ] ||\n'
        '    fail "s3://$S3_BUCKET/$1 does not match what was uploaded (CRC-32 and length: $summed_digest, not $2): $(deleted "$1" "it")"\n'
        '  [ "$(cat "$WORK_DIR/not-created.status")" = 0 ] ||\n'
        '    fail "cannot check the tables of s3://$S3_BUCKET/$1: $(one_line "$(cat "$WORK_DIR/not-created")"): $(deleted "$1" "it")"\n'
        '  [ ! -s "$WORK_DIR/not-created" ] ||\n'
        '    fail "the dump s3://$S3_BUCKET/$1 creates no table $(paste -s -d, - < "$WORK_DIR/not-created" | sed \'s/,/, /g\'), \\\n'
        'which the database counted in the dump\'s snapshot: $(deleted "$1" "it")"\n'
        '  summed_size=${summed_digest#* }\n'
        '}\n'
        '# put_streamed FIFO KEY: uploads what comes through FIFO to KEY (`aws s3 cp -`: a multipart upload from the pipe,\n'
        '# in parts of 8 MiB of which s3transfer holds at most 10 in memory, and so at most 10,000 parts, 78 GiB:\n'
        "# docs/images.md), summing it on the way (streamed_sha256; streamed_cksum, read_back_dump's), without a copy on the pod's disk; fails the\n"
        '# step when the upload or the read of FIFO does.\n'
        '# The upload lasts as long as the dump, hours for a large database, so S3_CALL_TIMEOUT cannot bound it whole, as\n'
        '# s3 bounds a call: a watchdog (stream_watch) fails it once no byte has moved for $S3_CALL_TIMEOUT seconds, and\n'
        '# says which side stalled, the dump or the object store; once the dump has ended, what the store has left to\n'
        '# do (the last parts, CompleteMultipartUpload) must end within $S3_CALL_TIMEOUT seconds, as one call. dd counts\n'
        "# the bytes between FIFO and the upload (stream_counts). Memory: the pipes' buffers and dd's 64 KiB block.\n"
        'put_streamed() {\n'
        '  rm -f "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" &&\n'
        '    mkfifo "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" && : > "$WORK_DIR/dd.stderr"\n'
        '  # Each part a process of its own (FIFOs between them, each opened by the shell that starts the part, so each\n'
        '  # part starts once both ends are open): the watchdog ends them by their ids.\n'
        '  sha256sum < "$WORK_DIR/sums" > "$WORK_DIR/streamed.sha256" &\n'
        '  summing=$!\n'
        '  cksum < "$WORK_DIR/crcs" > "$WORK_DIR/streamed.cksum" &\n'
        '  crcing=$!\n'
        '  # dd starts (and catches SIGUSR1) only once the dump has opened its end of FIFO. It answers SIGUSR1 unless\n'
        '  # POSIXLY_CORRECT is set (coreutils manual, "dd invocation"), so it is not.\n'
        '  (unset POSIXLY_CORRECT && LC_ALL=C && export LC_ALL && exec dd bs=65536) < "$1" > "$WORK_DIR/counted" \\\n'
        '    2>> "$WORK_DIR/dd.stderr" &\n'
        '  counting=$!\n'
        '  tee "$WORK_DIR/sums" "$WORK_DIR/crcs" < "$WORK_DIR/counted" > "$WORK_DIR/to-store" 2> "$WORK_DIR/tee.stderr" &\n'
        '  teeing=$!\n'
        '  aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors --metadata "writer=helm-datashield,release=$RELEASE" \\\n'
        '    - "s3://$S3_BUCKET/$2" < "$WORK_DIR/to-store" > "$WORK_DIR/put.stderr" 2>&1 &\n'
        '  putting=$!\n'
        '  stalled=$(stream_watch)\n'
        '  [ -z "$stalled" ] || kill "$putting" "$teeing" "$counting" "$summing" "$crcing" 2> /dev/null || true\n'
        '  put_status=0 && wait "$putting" || put_status=$?\n'
        '  tee_status=0 && wait "$teeing" || tee_status=$?\n'
        '  dd_status=0 && wait "$counting" || dd_status=$?\n'
        '  sum_status=0 && wait "$summing" || sum_status=$?\n'
        '  crc_status=0 && wait "$crcing" || crc_status=$?\n'
        '  [ -z "$stalled" ] || fail "upload to s3://$S3_BUCKET/$2 failed: $stalled"\n'
        '  [ "$put_status" = 0 ] || fail "upload to s3://$S3_BUCKET/$2 failed: $(s3_reason "$put_status" "$WORK_DIR/put.stderr")"\n'
        '  [ "$sum_status" = 0 ] && [ "$crc_status" = 0 ] || fail "upload to s3://$S3_BUCKET/$2: cannot sum what was uploaded"\n'
        '  if [ "$dd_status" != 0 ] || [ "$tee_status" != 0 ]; then\n'
        '    reason=$(grep -h -v -e \' records in$\' -e \' records out$\' -e \' copied, \' "$WORK_DIR/dd.stderr" "$WORK_DIR/tee.stderr" || true)\n'
        '    fail "upload to s3://$S3_BUCKET/$2: cannot read $1: ${reason:-dd exited with code $dd_status, tee with $tee_status}"\n'
        '  fi\n'
        '  # shellcheck disable=SC2034 # read by upload.sh (pods that do not stream have no reader of it)\n'
        '  streamed_sha256=$(cut -d\' \' -f1 "$WORK_DIR/streamed.sha256") streamed_cksum=$(cat "$WORK_DIR/streamed.cksum")\n'
        '  rm -f "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" "$WORK_DIR/tee.stderr" "$WORK_DIR/dd.stderr" \\\n'
        '    "$WORK_DIR/put.stderr"\n'
        '}\n'
        "# stream_watch: put_streamed's watchdog, until the upload ($putting) ends; prints why it stalled (nothing when it did\n"
        '# not). Time is its own count of 1 s sleeps (each of five 0.2 s), never the clock (a clock stepped by NTP would fire or hide a stall).\n'
        '# dd ($counting) writes its counts on SIGUSR1 (coreutils dd(1), 8.22 too): "<full>+<partial> records in" counted\n'
        '# as each read ends, "... records out" as each write does. Nothing moved, and more records in than out: dd holds a\n'
        '# block that the upload does not take (the object store stalled); as many: dd waits for the dump. SIGUSR1 only\n'
        '# once dd catches it (SigCgt, bit 10: proc(5)): its default action ends a process, such as the shell that\n'
        '# starts dd while it waits for the dump to open the FIFO.\n'
        'stream_watch() {\n'
        "  w_counts='0 0 0' w_still=0 w_after=''\n"
        '  while ! pid_ended "$putting"; do\n'
        '    if [ -z "$w_after" ] && pid_ended "$counting"; then w_after=0; fi\n'
        '    if [ -z "$w_after" ]; then\n'
        '      w_caught=$(sed -n \'s/^SigCgt:[[:space:]]*//p\' "/proc/$counting/status" 2> /dev/null) || w_caught=\'\'\n'
        '      [ $((0x${w_caught:-0} & 512)) = 0 ] || kill -USR1 "$counting" 2> /dev/null || true\n'
        '    fi\n'
        '    # One second, in fifths: the loop ends as soon as the upload does, not up to a second later (issue 23).\n'
        '    w_fifths=0\n'
        '    # (A sleep that fails, in an image whose sleep takes no fractions, ends the watch under -e: never a spin.)\n'
        '    while [ "$w_fifths" -lt 5 ] && ! pid_ended "$putting"; do w_fifths=$((w_fifths + 1)); sleep 0.2; done\n'
        '    [ "$w_fifths" = 5 ] || break  # the upload ended: no stall to judge\n'
        '    if [ -n "$w_after" ]; then\n'
        '      w_after=$((w_after + 1))\n'
        '      [ "$w_after" -lt "$S3_CALL_TIMEOUT" ] && continue\n'
        '      echo "no answer from $S3_ENDPOINT within $S3_CALL_TIMEOUT s of the dump\'s end (S3_CALL_TIMEOUT)"\n'
        '      return\n'
        '    fi\n'
        '    w_now=$(stream_counts)\n'
        '    # Nothing written since the file was emptied: the counts are still the last ones.\n'
        '    w_now=${w_now:-$w_counts}\n'
        '    if [ "$w_now" != "$w_counts" ]; then w_counts=$w_now w_still=0 && continue; fi\n'
        '    w_still=$((w_still + 1))\n'
        '    [ "$w_still" -ge "$S3_CALL_TIMEOUT" ] || continue\n'
        '    # shellcheck disable=SC2086  # three numbers\n'
        '    set -- $w_counts\n'
        '    if [ "$1" -gt "$2" ]; then\n'
        '      echo "the object store at $S3_ENDPOINT took no bytes for $S3_CALL_TIMEOUT s (S3_CALL_TIMEOUT; $3 bytes went before)"\n'
        '    else\n'
        '      echo "the $BESIDE step gave no bytes for $S3_CALL_TIMEOUT s (S3_CALL_TIMEOUT; $3 bytes came before): the database or its dump stalled, not the object store"\n'
        '    fi\n'
        '    return\n'
        '  done\n'
        '}\n'
        '# stream_counts: dd\'s last counts, "<records in> <records out> <bytes out>", from $WORK_DIR/dd.stderr (nothing\n'
        '# when it holds none; kept short: emptied when past 64 KiB, dd appending).\n'
        'stream_counts() {\n'
        '  awk \'/ records in$/ { split($1, r, "+"); i = r[1] + r[2] } / records out$/ { split($1, r, "+"); o = r[1] + r[2] }\n'
        '    $2 ~ /^bytes?$/ { b = $1; n++ } END { if (n) print i + 0, o + 0, b + 0 }\' "$WORK_DIR/dd.stderr"\n'
        '  [ "$(size_of "$WORK_DIR/dd.stderr")" -le 65536 ] || : > "$WORK_DIR/dd.stderr"\n'
        '}\n'
        '# deleted KEY WHAT: deletes the object KEY and says so ("WHAT, s3://<bucket>/KEY, was deleted; nothing was\n'
        '# kept"), or that it could not (for the end of a failure line; it never fails itself).\n'
        'deleted() {\n'
        '  if out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1" 2>&1); then\n'
        '    echo "$2, s3://$S3_BUCKET/$1, was deleted; nothing was kept"\n'
        '  else\n'
        '    echo "$2, s3://$S3_BUCKET/$1, could not be deleted ($out): it has no metadata object, so it is no backup"\n'
        '  fi\n'
        '}\n'
        '# get_summed KEY FILE [WHAT [SUM]]: downloads one object as a stream into FILE (/dev/null: nowhere; a FIFO: to its\n'
        "# reader) and sets, in the same pass over its bytes, summed_digest (SUM's line of it: sha256sum by default, or\n"
        "# cksum) and summed_sha256 (its first field), summed_size (bytes: FILE's length when it is a regular file, no\n"
        "# read; else the answer's ContentLength) and summed_modified (the answer's LastModified, the store's time); fails\n"
        '# the step when the download or the write does (WHAT: how the failure begins, default "cannot download\n'
        '# s3://<bucket>/KEY"). One GET, read in order (`s3api get-object`, whose body goes to fd 3, the pipe, and its\n'
        '# answer, two fields, to get.answer): `s3 cp KEY -` fetches ranges in parallel and puts them back in\n'
        '# order, and it stopped for good after 48 MiB on the test store (AWS CLI 1.46.2, SeaweedFS; aws/aws-cli#3977\n'
        "# and #1187 report truncated and slow streams). Memory: the pipe's buffers, whatever the object's size.\n"
        '# The exit status of each part of the pipe goes through a file (POSIX sh, dash, has no pipefail), written\n'
        '# under -e too ("a && echo 0 || echo $?": a failing part alone would end the pipe\'s subshell before it could\n'
        '# say how). The status files are written before the pipe starts, so that on a full disk they hold a failure.\n'
        'get_summed() {\n'
        '  what=${3:-cannot download s3://$S3_BUCKET/$1}\n'
        '  printf 1 > "$WORK_DIR/get.status" && printf 1 > "$WORK_DIR/tee.status" && : > "$WORK_DIR/tee.stderr"\n'
        '  : > "$WORK_DIR/get.digest"\n'
        '  # Said alive as it runs (lib.sh alive): a download of a large backup takes hours.\n'
        '  alive "reading s3://$S3_BUCKET/$1" "$(if [ "$2" != /dev/null ]; then printf \'written %s\' "$2"; fi)" \\\n'
        '    get_piped "$1" "$2" "${4:-sha256sum}" < /dev/null || true\n'
        '  summed_digest=$(cat "$WORK_DIR/get.digest") summed_sha256=${summed_digest%% *}\n'
        '  # A write that failed makes the download fail too (its pipe is closed): the write is the reason.\n'
        '  if [ "$(cat "$WORK_DIR/tee.status")" != 0 ]; then\n'
        '    reason=$(cat "$WORK_DIR/tee.stderr")\n'
        '    fail "$what: cannot write $2: ${reason:-the write failed and left no reason (is the work volume of the pod full?)}"\n'
        '  fi\n'
        '  if [ "$(cat "$WORK_DIR/get.status")" != 0 ]; then\n'
        '    reason=$(cat "$WORK_DIR/get.stderr" 2> /dev/null || true)\n'
        '    fail "$what: ${reason:-the download failed and left no reason (is the work volume of the pod full?)}"\n'
        '  fi\n'
        '  rm -f "$WORK_DIR/get.stderr" "$WORK_DIR/tee.stderr"\n'
        "  # The answer's ContentLength and LastModified (the store's time, which clock_checked can take), tab-separated.\n"
        "  # shellcheck disable=SC2034  # summed_modified: read by the upload step only (retention's clock check)\n"
        '  IFS=\'\t\' read -r summed_length summed_modified < "$WORK_DIR/get.answer" || true\n'
        '  if [ -f "$2" ]; then summed_size=$(size_of "$2"); else summed_size=$summed_length; fi\n'
        '}\n'
        "# get_piped KEY FILE SUM: get_summed's pipe, SUM's line into $WORK_DIR/get.digest (it runs apart: lib.sh alive).\n"
        'get_piped() {\n'
        '  { s3 s3api get-object --bucket "$S3_BUCKET" --key "$1" --query \'[ContentLength, LastModified]\' --output text \\\n'
        '      /dev/fd/3 3>&1 > "$WORK_DIR/get.answer" 2> "$WORK_DIR/get.stderr" &&\n'
        '      echo 0 > "$WORK_DIR/get.status" || echo "$?" > "$WORK_DIR/get.status"; } |\n'
        '    { tee "$2" 2> "$WORK_DIR/tee.stderr" && echo 0 > "$WORK_DIR/tee.status" || echo "$?" > "$WORK_DIR/tee.status"; } |\n'
        '    "$3" | sed \'s/ *-\\{0,1\\}$//\' > "$WORK_DIR/get.digest"\n'
        '}\n'
        '# files_under DIR: the regular files under DIR, one path a line. No find: amazon/aws-cli 2.27.51-2.27.56 (on\n'
        '# amazonlinux:2023) have no findutils (renderer/values/images.py, docs/images.md).\n'
        'files_under() {\n'
        '  for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do\n'
        '    if [ -d "$f" ]; then files_under "$f"; elif [ -f "$f" ]; then printf \'%s\\n\' "$f"; fi\n'
        '  done\n'
        '}\n'
        '# shellcheck disable=SC2034  # files: read by the steps that record it (upload.sh, fetch.sh)\n'
        '# native_digest KEY: reads the native backup under KEY/ and sets files (count), size (bytes) and\n'
        '# sha256 (of the sorted "sha256  ./path" list of its files), as its metadata records them.\n'
        'native_digest() {\n'
        '  rm -rf "$WORK_DIR/native" && mkdir -p "$WORK_DIR/native"\n'
        '  alive "reading s3://$S3_BUCKET/$1/" "" s3 s3 cp --recursive --only-show-errors "s3://$S3_BUCKET/$1/" \\\n'
        '    "$WORK_DIR/native/" < /dev/null || fail "cannot read the backup s3://$S3_BUCKET/$1/: $(cat "$alive_log")"\n'
        '  (cd "$WORK_DIR/native" && files_under . | LC_ALL=C sort > "$WORK_DIR/native.files")\n'
        '  (cd "$WORK_DIR/native" && while read -r part; do sha256sum "$part"; done) < "$WORK_DIR/native.files" \\\n'
        '    > "$WORK_DIR/native.sha256"\n'
        '  files=$(grep -c . "$WORK_DIR/native.sha256" || true)\n'
        '  size=$(cd "$WORK_DIR/native" && while read -r part; do cat "$part"; done < "$WORK_DIR/native.files" | wc -c | tr -d \' \')\n'
        '  sha256=$(sha256_of "$WORK_DIR/native.sha256")\n'
        '  rm -rf "$WORK_DIR/native"\n'
        '}\n'
        "# Backups of this release, named as this tool names them (a backup's identity is its namespace,\n"
        '# release and database cluster; the metadata object must say the same as the key):\n'
        '#   <prefix>/<namespace>/<release>-<yyyymmddThhmmssZ>-<cluster>.sql|.native    (written now)\n'
        '#   <prefix>/<release>-<yyyymmddThhmmssZ>.sql|.native                         (the earlier layout: still\n'
        '#                                                                              read, restored and retained)\n'
        "# each with <key>.json beside it. Only the listing's JSON is read, one key a line: a key with a space,\n"
        '# a newline or any other character this tool never writes is JSON-escaped on its line, so it can\n'
        '# never look like one of ours (it is reported when it starts like our names).\n'
        "STAMP_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'\n"
        "# A name stamped later than the pod's clock plus this skew cannot be right: it is reported and never\n"
        '# trusted for ordering (a node whose clock once said 2099 must not decide what "latest" is).\n'
        'CLOCK_SKEW_SECONDS=600\n'
        "# clock_checked TIME WHOSE PREFIX WHAT: fails the step unless this pod's clock agrees, within CLOCK_SKEW_SECONDS,\n"
        "# with the object store's: TIME, the LastModified the store gave an object this pod has just written, and WHOSE\n"
        '# what it dated ("the store wrote s3://<bucket>/<key>"). PREFIX starts each failure line ("retention: "), WHAT\n'
        '# says what was not done ("nothing was deleted"). Backups are named, ordered, and `latest` chosen by the names the\n'
        "# pods' clocks give them. A node whose clock is fast names its backup later than a correct clock accepts\n"
        '# (backup_problem; renderer/restore/backups.py CLOCK_SKEW): `latest` passes it over until that time, then takes it\n'
        '# over every backup made meanwhile, and with Retention 1 it kept that one and deleted every correctly named backup\n'
        '# (issue 24 §5); a slow clock names it older than those it deletes. So the upload step checks the clock before the\n'
        '# dump starts (no backup is named by a wrong clock), and retention again before it deletes. Two clocks that\n'
        "# disagree cannot tell which is right: nothing is done until they agree. Sets c_store, the store's TIME in seconds.\n"
        'clock_checked() {\n'
        '  # date -d "" is today\'s midnight: no time is a failure, not a time.\n'
        '  [ -n "$1" ] || fail "$3$2 and gave no time: $4"\n'
        '  c_store=$(date -u -d "$1" +%s 2>/dev/null) || fail "$3$2 at \\"$1\\", which is not a time: $4"\n'
        '  ! clock_off "$c_store" || fail "$3the clock of node ${NODE_NAME:-?} is ${c_skew#-} s $c_way the object store\'s \\\n'
        '(more than $CLOCK_SKEW_SECONDS s; $2 at $(date -u -d "@$c_store" +%Y-%m-%dT%H:%M:%SZ)): backups named by a wrong \\\n'
        'clock sort wrong, so $4; set the node\'s clock right (NTP)"\n'
        '}\n'
        "# clock_off SECONDS: whether this pod's clock is more than CLOCK_SKEW_SECONDS off SECONDS (since the epoch); sets\n"
        '# c_skew (this clock minus SECONDS) and c_way ("ahead of", "behind").\n'
        'clock_off() {\n'
        '  c_skew=$(($(date -u +%s) - $1))\n'
        '  if [ "$c_skew" -gt 0 ]; then c_way="ahead of"; else c_way=behind; fi\n'
        '  [ "${c_skew#-}" -gt "$CLOCK_SKEW_SECONDS" ]\n'
        '}\n'
        "# store_date: the time of the object store's answer to a HEAD of $S3_ENDPOINT, without a call of the AWS CLI (a\n"
        '# start-up of about a second, issue 23) and without writing anything: the store refuses it (no credentials are\n'
        '# sent: 403, 405) and dates the refusal all the same (RFC 9110 section 6.6.1: an origin server with a clock sends\n'
        '# Date in every 2xx, 3xx and 4xx answer). Only a fast path: a server in between (an ingress that sends its own Date,\n'
        '# a cache, a proxy) may date the answer by its own clock, and curl may not reach the store the way the AWS CLI does\n'
        '# (its proxy variables and trusted certificates differ), so a caller takes "agrees" from it and nothing else\n'
        '# (upload.sh). Prints the time in seconds since the epoch, from the last Date of the answer (curl prints a 1xx\n'
        "# answer's first; a proxy's CONNECT answer is suppressed); on failure, why, on one line, and status 1.\n"
        'store_date() {\n'
        "  d_answer=$(curl --silent --show-error --head --suppress-connect-headers --header 'Cache-Control: no-cache' \\\n"
        '    --max-time "$S3_CALL_TIMEOUT" "$S3_ENDPOINT" 2> "$WORK_DIR/curl.stderr") ||\n'
        '    { one_line "$(cat "$WORK_DIR/curl.stderr")"; return 1; }\n'
        '  d_date=$(printf \'%s\\n\' "$d_answer" | tr -d \'\\r\' | sed -n \'s/^[Dd][Aa][Tt][Ee]:[ \t]*//p\' | tail -n 1)\n'
        '  [ -n "$d_date" ] || { echo "its answer has no Date header"; return 1; }\n'
        '  # date -d "" is today\'s midnight: checked above.\n'
        '  date -u -d "$d_date" +%s 2> /dev/null || { one_line "its Date header is not a time: $d_date"; return 1; }\n'
        '}\n'
        '# listing: "<size> <key>" lines in $WORK_DIR/listing, and "<LastModified> <key>" lines in $WORK_DIR/dated\n'
        "# (the store's time, an ISO 8601 string in AWS CLI v1 and v2: retention's orphan sweep reads it, so that it needs\n"
        "# no listing of its own, issue 23), for the objects whose keys start as this release's backups do, in either\n"
        "# layout, and use only the characters of our names (letters, digits and !_.*'()/-); the others are counted in\n"
        '# $odd_keys. One call: the whole prefix is listed (the download of the metadata objects lists it too), filtered\n'
        "# by the CLI (JMESPath starts_with, $l_filter; the prefix has no backquote, S3Prefix's rule).\n"
        "# The characters of our names (a sed bracket expression's inside); upload.sh reads drill records' keys with it too.\n"
        '# OUR_KEY_LINE: a listing\'s line, "<size> <time> <key>", the time an ISO 8601 string or null (to_string\'s).\n'
        'OUR_KEY_CHARS="A-Za-z0-9!_.*()/\'-"\n'
        'OUR_KEY_LINE="s|^ *\\"\\([0-9][0-9]*\\) \\([0-9n][-0-9T:.+Zul]*\\) \\([$OUR_KEY_CHARS]*\\)\\",\\{0,1\\}\\$|\\1 \\2 \\3|p"\n'
        'listing() {\n'
        '  l_base=$(key_of "")\n'
        '  l_filter="starts_with(Key, \\`$(json_string "$l_base$RELEASE-")\\`) || starts_with(Key, \\`$(json_string "$l_base$NAMESPACE/$RELEASE-")\\`)"\n'
        '  listed=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$l_base" --output json \\\n'
        '    --query "Contents[?$l_filter].join(\' \', [to_string(Size), to_string(LastModified), Key])" 2>&1) ||\n'
        '    fail "cannot list s3://$S3_BUCKET/$l_base: $listed"\n'
        '  printf \'%s\\n\' "$listed" | sed -n "$OUR_KEY_LINE" > "$WORK_DIR/listed"\n'
        '  cut -d\' \' -f1,3 "$WORK_DIR/listed" > "$WORK_DIR/listing"\n'
        '  # A store that gave an object no time (JMESPath to_string: "null") keeps it out of the sweep only.\n'
        '  grep -v \'^[0-9]* null \' "$WORK_DIR/listed" | cut -d\' \' -f2,3 > "$WORK_DIR/dated" || true\n'
        '  odd_keys=$(($(printf \'%s\\n\' "$listed" | grep -c \'^ *"\' || true) - $(grep -c . "$WORK_DIR/listing" || true)))\n'
        '}\n'
        '# stamp_iso STAMP: yyyymmddThhmmssZ as ISO 8601, when it is a real time (else nothing, status 1).\n'
        'stamp_iso() {\n'
        '  iso=$(printf \'%s\' "$1" | sed \'s/^\\(....\\)\\(..\\)\\(..\\)T\\(..\\)\\(..\\)\\(..\\)Z$/\\1-\\2-\\3T\\4:\\5:\\6Z/\')\n'
        '  [ "$(date -u -d "$iso" +%Y%m%dT%H%M%SZ 2>/dev/null)" = "$1" ] && printf \'%s\' "$iso"\n'
        '}\n'
        '# shown VALUE: VALUE quoted, or null when empty (as the restore command shows a missing field).\n'
        'shown() { if [ -n "$1" ]; then printf \'"%s"\' "$1"; else printf null; fi; }\n'
        '# backup_problem FILE KEY FORMAT CLUSTER STAMP: why the metadata object FILE does not describe this\n'
        '# release\'s scheduled backup KEY, named with FORMAT, CLUSTER ("-": the earlier layout, which names\n'
        '# none) and STAMP (nothing when it does; renderer/restore/backups.py applies the same rules). The metadata\n'
        '# must be laid out as the upload step writes it (one field a line), which is all of JSON this image\n'
        '# can check without a JSON parser.\n'
        'backup_problem() {\n'
        '  b_iso=$(stamp_iso "$5") || { echo "$5 is not a time"; return; }\n'
        '  [ "$(printf \'%s\' "$5" | tr -d TZ)" -le "$b_limit" ] ||\n'
        '    { echo "dated $b_iso, later than this pod\'s clock allows ($CLOCK_SKEW_SECONDS s of skew): never trusted for ordering, never deleted"; return; }\n'
        '  if ! [ -s "$1" ] || [ "$(head -n 1 "$1")" != "{" ] || [ "$(tail -n 1 "$1")" != "}" ] ||\n'
        '    sed \'1d;$d\' "$1" | grep -qv -e \'^  "[A-Za-z0-9]*": \\("\\([^"\\\\]\\|\\\\.\\)*"\\|[0-9][0-9]*\\|{.*}\\|null\\),$\' \\\n'
        '      -e \'^  "tables": {$\' -e \'^    "\\([^"\\\\]\\|\\\\.\\)*": [0-9][0-9]*,\\{0,1\\}$\' -e \'^  }$\'; then\n'
        '    echo "the metadata object is not valid JSON as this tool writes it"\n'
        '    return\n'
        '  fi\n'
        '  [ "$(meta_field writer "$1")" = helm-datashield ] || { echo "not written by helm-datashield"; return; }\n'
        '  b_kind=$(meta_field kind "$1")\n'
        '  [ -z "$b_kind" ] || [ "$b_kind" = backup ] || { echo "a $b_kind, not a scheduled backup"; return; }\n'
        '  for b_field in release namespace object format; do\n'
        '    case $b_field in release) b_want=$RELEASE ;; namespace) b_want=$NAMESPACE ;; object) b_want=$2 ;; format) b_want=$3 ;; esac\n'
        '    b_got=$(meta_field "$b_field" "$1")\n'
        '    [ "$b_got" = "$b_want" ] || { echo "its metadata names $b_field $(shown "$b_got"), not \\"$b_want\\""; return; }\n'
        '  done\n'
        '  b_got=$(meta_field cluster "$1") b_want=${4#-}\n'
        '  [ "$b_got" = "$b_want" ] || { echo "its metadata names cluster $(shown "$b_got"), the key $(shown "$b_want")"; return; }\n'
        '  [ -n "$(meta_field size "$1")" ] && [ -n "$(meta_field sha256 "$1")" ] ||\n'
        '    { echo "the metadata object records no size or SHA-256"; return; }\n'
        '  b_got=$(meta_field created "$1")\n'
        '  [ "$b_got" = "$b_iso" ] || echo "its metadata says it was created at $b_got, its name $b_iso"\n'
        '}\n'
        '# our_name NAME: whether NAME (a key under the prefix) names a backup of this release as this tool names\n'
        '# them, in either layout; when it does, sets b_stamp, b_cluster ("-" in the earlier layout) and b_format.\n'
        'our_name() {\n'
        '  # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the names around it are quoted, literal\n'
        '  case $1 in\n'
        '    "$RELEASE"-$STAMP_GLOB.sql | "$RELEASE"-$STAMP_GLOB.native) b_cluster=- ;;\n'
        '    "$NAMESPACE/$RELEASE"-$STAMP_GLOB-*.sql | "$NAMESPACE/$RELEASE"-$STAMP_GLOB-*.native)\n'
        '      b_cluster=${1#"$NAMESPACE/$RELEASE"-????????T??????Z-} b_cluster=${b_cluster%.*}\n'
        '      # A cluster as the dump step names it (dump.sh), else not a name of ours (renderer/restore/backups.py CLUSTER).\n'
        "      case $b_cluster in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9-]*) return 1 ;; esac ;;\n"
        '    *) return 1 ;;\n'
        '  esac\n'
        '  b_stamp=${1#"$NAMESPACE/"} b_stamp=${b_stamp#"$RELEASE"-} b_stamp=${b_stamp%%[.-]*} b_format=${1##*.}\n'
        '}\n'
        "# our_backups: this release's complete scheduled backups, oldest first, into $WORK_DIR/backups as\n"
        '# "<stamp> <cluster or -> <key>" lines; every object named like one that is not (foreign, damaged,\n'
        "# future-dated, incomplete) is reported on one line and left out; a backup's drill records\n"
        '# (<key>.drill-<stamp>.json, record.sh) are neither backups nor parts of one, and are not downloaded.\n'
        '# Half-deleted pairs (metadata of ours whose data is gone or short) go to $WORK_DIR/half-deleted. Two calls of the CLI whatever the\n'
        '# bucket holds (each costs a second or more of start-up): one listing and one download of every\n'
        '# metadata object named like ours.\n'
        'our_backups() {\n'
        '  b_base=$(key_of "")\n'
        '  b_limit=$(date -u -d "@$(($(date -u +%s) + CLOCK_SKEW_SECONDS))" +%Y%m%d%H%M%S)\n'
        '  listing\n'
        '  [ "$odd_keys" = 0 ] ||\n'
        '    log "WARNING: ignoring $odd_keys object(s) under s3://$S3_BUCKET/$b_base named unlike any backup (characters this tool never writes)"\n'
        "  # Bytes and objects of each backup's data: an object, or the objects under a native backup's key.\n"
        '  awk \'{ key = substr($0, index($0, " ") + 1); at = index(key, ".native/"); if (at) key = substr(key, 1, at + 6)\n'
        "    size[key] += $1; parts[key]++ } END { for (key in size) print key, size[key], parts[key] }' \\\n"
        '    "$WORK_DIR/listing" > "$WORK_DIR/data-sizes"\n'
        '  # No key with a "/" past the namespace\'s is fetched, so no two keys share a local file; a key the\n'
        '  # local file system cannot hold is read on its own below, if it is one of ours at all.\n'
        '  rm -rf "$WORK_DIR/metadata"\n'
        '  mkdir -p "$WORK_DIR/metadata"\n'
        '  s3 s3 cp --recursive --only-show-errors "s3://$S3_BUCKET/$b_base" "$WORK_DIR/metadata/" --exclude \'*\' \\\n'
        '    --include "$RELEASE-*.json" --include "$NAMESPACE/$RELEASE-*.json" --exclude "$RELEASE-*/*" --exclude \'*/*/*\' \\\n'
        "    --exclude '*.drill-*' > /dev/null 2>&1 || true\n"
        '  : > "$WORK_DIR/backups.unsorted"\n'
        '  : > "$WORK_DIR/half-deleted"\n'
        '  while read -r _ b_meta; do\n'
        '    case $b_meta in *.json) ;; *) continue ;; esac\n'
        '    b_key=${b_meta%.json} b_rel=${b_meta#"$b_base"}\n'
        '    our_name "${b_rel%.json}" || continue\n'
        '    b_file="$WORK_DIR/metadata/${b_meta#"$b_base"}"\n'
        '    if ! [ -f "$b_file" ]; then\n'
        '      b_file="$WORK_DIR/candidate.json"\n'
        '      b_out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$b_meta" "$b_file" 2>&1) ||\n'
        '        fail "cannot read s3://$S3_BUCKET/$b_meta: $b_out"\n'
        '    fi\n'
        '    b_problem=$(backup_problem "$b_file" "$b_key" "$b_format" "$b_cluster" "$b_stamp")\n'
        '    if [ -n "$b_problem" ]; then\n'
        '      log "WARNING: ignoring s3://$S3_BUCKET/$b_key: $b_problem"\n'
        '      continue\n'
        '    fi\n'
        '    b_recorded=$(meta_field size "$b_file")\n'
        '    b_data=$(awk -v key="$b_key" \'$1 == key { print $2, $3 }\' "$WORK_DIR/data-sizes")\n'
        '    b_data=${b_data:-0 0}\n'
        '    if [ "${b_data% *}" != "$b_recorded" ]; then\n'
        '      log "WARNING: ignoring s3://$S3_BUCKET/$b_key: its data has ${b_data% *} bytes in ${b_data#* } object(s), its metadata records $b_recorded"\n'
        '      printf \'%s %s %s\\n\' "$b_stamp" "$b_cluster" "$b_key" >> "$WORK_DIR/half-deleted"\n'
        '      continue\n'
        '    fi\n'
        '    printf \'%s %s %s\\n\' "$b_stamp" "$b_cluster" "$b_key" >> "$WORK_DIR/backups.unsorted"\n'
        '  done < "$WORK_DIR/listing"\n'
        '  LC_ALL=C sort "$WORK_DIR/backups.unsorted" > "$WORK_DIR/backups"\n'
        '}\n'
        "# latest_backup [any]: the key of the newest of this release's complete scheduled backups (our_backups), the\n"
        '# one rule that the restore command applies too (renderer/restore/backups.py). Fails when there is none, or\n'
        '# when they come from more than one database cluster (two clusters must never be mixed silently), unless\n'
        '# "any" is given (the restore drill, pick.sh: it restores into a throwaway database, so it drills the newest\n'
        '# whatever its cluster, with a WARNING naming them; a restore onto a new cluster leaves such a prefix).\n'
        'latest_backup() {\n'
        '  our_backups\n'
        '  [ -s "$WORK_DIR/backups" ] || fail "no complete backup of $RELEASE in namespace $NAMESPACE in s3://$S3_BUCKET/$(key_of "")"\n'
        '  tail -n 1 "$WORK_DIR/backups" | cut -d\' \' -f3 > "$WORK_DIR/latest"\n'
        '  # Its metadata as our_backups read it a moment ago, for verify_backup in this shell (no second download, issue\n'
        "  # 23): b_latest_key, b_latest_json (empty when its key could not be a local file's name: our_backups read it alone).\n"
        '  b_latest_key=$(cat "$WORK_DIR/latest") b_latest_json="$WORK_DIR/metadata/${b_latest_key#"$b_base"}.json"\n'
        '  [ -f "$b_latest_json" ] || b_latest_json=\'\'\n'
        '  b_clusters=$(cut -d\' \' -f2 "$WORK_DIR/backups" | grep -v \'^-$\' | LC_ALL=C sort -u)\n'
        '  [ "$(printf \'%s\\n\' "$b_clusters" | grep -c .)" -gt 1 ] || return 0\n'
        '  b_newest=$(for c in $b_clusters; do printf \'%s (newest %s)\\n\' "$c" "$(grep " $c " "$WORK_DIR/backups" | tail -n 1 | cut -d\' \' -f3)"; done | paste -s -d\';\' - | sed \'s/;/; /g\')\n'
        '  b_mixed="backups of $RELEASE in namespace $NAMESPACE from more than one database cluster in s3://$S3_BUCKET/$(key_of ""): $b_newest"\n'
        '  [ "${1:-}" = any ] || fail "$b_mixed: name the one to restore (Restore.Backup), or give each cluster its own S3Prefix"\n'
        '  log "WARNING: $b_mixed: drilling the newest of them all, $(cat "$WORK_DIR/latest")"\n'
        '}\n'
        '# NOT_CREATED (awk, LC_ALL=C; arguments: the expected-tables file, then the SQL text): the names, as the\n'
        '# metadata counts them (JSON), of the tables that no "CREATE TABLE <name> (" in the SQL text creates, the\n'
        '# name bare or quoted ("" for "), after a schema (an identifier and ".") or not. The names are decoded from\n'
        '# JSON (\\uXXXX, surrogate pairs, \\n...) into the bytes the dump writes, so no name is split and none is read\n'
        '# as a pattern. It streams: one line of the dump at a time, plus, after each "CREATE TABLE " line, the next\n'
        "# bytes up to the longest name's length (a quoted name may hold a newline), and it stops reading as soon\n"
        '# as every counted table is seen (both dumps write every CREATE TABLE before the data). Memory: the\n'
        "# longest line of the dump (one row) and the names, whatever the dump's size.\n"
        "# shellcheck disable=SC2016  # $0, $1... are awk's, not the shell's\n"
        "NOT_CREATED='\n"
        '  function hex(h,   v, i) { v = 0; for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1; return v }\n'
        '  function utf8(cp) {\n'
        '    if (cp < 128) return sprintf("%c", cp)\n'
        '    if (cp < 2048) return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)\n'
        '    if (cp < 65536) return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)\n'
        '    return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64, 128 + int(cp / 64) % 64, 128 + cp % 64)\n'
        '  }\n'
        '  function unjson(s,   out, i, n, c, cp, low) {\n'
        '    out = ""; n = length(s)\n'
        '    for (i = 1; i <= n; i++) {\n'
        '      c = substr(s, i, 1)\n'
        '      if (c != "\\\\") { out = out c; continue }\n'
        '      c = substr(s, ++i, 1)\n'
        '      if (c == "n") out = out "\\n"; else if (c == "t") out = out "\\t"; else if (c == "r") out = out "\\r"\n'
        '      else if (c == "b") out = out "\\b"; else if (c == "f") out = out "\\f"\n'
        '      else if (c == "u") {\n'
        '        cp = hex(substr(s, i + 1, 4)); i += 4\n'
        '        if (cp >= 55296 && cp < 56320 && substr(s, i + 1, 2) == "\\\\u") {\n'
        '          low = hex(substr(s, i + 3, 4))\n'
        '          if (low >= 56320 && low < 57344) { cp = 65536 + (cp - 55296) * 1024 + low - 56320; i += 6 }\n'
        '        }\n'
        '        out = out utf8(cp)\n'
        '      } else out = out c\n'
        '    }\n'
        '    return out\n'
        '  }\n'
        '  # A "CREATE TABLE " head: whether what comes before one of its " (" is a counted name, bare or quoted,\n'
        '  # after a schema or not.\n'
        '  function check(head,   rest, at, name, n, keys, k) {\n'
        '    rest = head\n'
        '    while ((at = index(rest, " (")) > 0) {\n'
        '      name = substr(head, 1, length(head) - length(rest) + at - 1)\n'
        '      if (!(name in form) && match(name, /^[A-Za-z_][A-Za-z0-9_]*\\./)) name = substr(name, RLENGTH + 1)\n'
        '      # A table of public named "a.b" is counted as public."a.b"; a dump may write it without its schema.\n'
        '      if (!(name in form) && ("public." name) in form) name = "public." name\n'
        '      if (name in form) { n = split(form[name], keys, SUBSEP); for (k = 1; k <= n; k++) if (!(keys[k] in created)) { created[keys[k]] = 1; left-- } }\n'
        '      rest = substr(rest, at + 2)\n'
        '    }\n'
        '  }\n'
        '  FILENAME == ARGV[1] {\n'
        '    key = substr($0, 1, match($0, /: [0-9]+$/) - 1)\n'
        '    name = unjson(substr(key, 2, length(key) - 2)); quoted = name; gsub(/"/, "\\"\\"", quoted)\n'
        '    # Two names may share a form (a name "b" bare is the name b quoted): a form lists every name it may be.\n'
        '    # (Each right side first into a variable of its own: mawk makes form[name] before it reads "name in form".)\n'
        '    listed = name in form ? form[name] SUBSEP : ""; form[name] = listed key\n'
        '    quoted = "\\"" quoted "\\""; listed = quoted in form ? form[quoted] SUBSEP : ""; form[quoted] = listed key\n'
        '    order[++tables] = key\n'
        '    if (length(quoted) + 258 > longest) longest = length(quoted) + 258\n'
        '    left = tables\n'
        '    next\n'
        '  }\n'
        '  {\n'
        '    for (h = 1; h <= heads; h++) if (length(head[h]) < longest) head[h] = substr(head[h] "\\n" $0, 1, longest)\n'
        '    if (substr($0, 1, 13) == "CREATE TABLE ") head[++heads] = substr($0, 14)\n'
        '    kept = 0\n'
        '    for (h = 1; h <= heads; h++) if (length(head[h]) >= longest) check(head[h]); else head[++kept] = head[h]\n'
        '    heads = kept\n'
        '    if (left <= 0) exit\n'
        '  }\n'
        '  END {\n'
        '    for (h = 1; h <= heads; h++) check(head[h])\n'
        '    for (t = 1; t <= tables; t++) if (!(order[t] in created)) print order[t]\n'
        "  }'\n"
        '# Metadata written before every schema\'s tables were counted has no "tableNames" (COUNTED_NAME, lib.sh):\n'
        '# its names are tables of public, each bare. A name that holds "." or \'"\' is counted now as public."<name>"\n'
        '# (\'"\' doubled, as quote_ident quotes any such name), so LEGACY_TABLE_NAMES (awk, LC_ALL=C) rewrites those\n'
        '# \'"name": rows\' lines (JSON: a \'"\' of the name is the two characters \\") to compare with the counts.\n'
        "# shellcheck disable=SC2016  # $0 is awk's\n"
        "LEGACY_TABLE_NAMES='\n"
        '  {\n'
        '    at = match($0, /": [0-9]+$/); key = substr($0, 2, at - 2)\n'
        '    if (index(key, ".") || index(key, "\\\\\\"")) {\n'
        '      out = ""\n'
        '      for (i = 1; i <= length(key); i++) {\n'
        '        c = substr(key, i, 1)\n'
        '        if (c == "\\\\") { c = substr(key, i, 2); i++; if (c == "\\\\\\"") c = c c }\n'
        '        out = out c\n'
        '      }\n'
        '      key = "public.\\\\\\"" out "\\\\\\""\n'
        '    }\n'
        '    print "\\"" key substr($0, at)\n'
        "  }'\n"
        'TABLE_NAMES_FIELD=\'  "tableNames": "schema-qualified",\'\n'
        '# verify_backup KEY PURPOSE: reads the metadata object of the backup KEY into $WORK_DIR/restore.json (the copy\n'
        '# latest_backup kept when KEY is the one it chose, as our_backups downloaded it: one call less) and checks\n'
        '# that it describes KEY of this release and namespace (a pair copied over another key, or another\n'
        "# release's or namespace's backup, is refused before anything is read or dropped); writes the row counts\n"
        '# it records into $WORK_DIR/expected-tables (none when it records none); reads the backup (an SQL dump into\n'
        '# $WORK_DIR/restore.sql, a native one summed where it is) and checks size and SHA-256 against the\n'
        '# metadata (read once more when they differ: a fault in transit gets a WARNING line, a backup that reads\n'
        '# back wrong twice is damaged), and that the SQL text creates every table the metadata counts. Sets\n'
        '# format, size and sha256.\n'
        '# Used by the restore Job (fetch.sh) and the restore drill (pick.sh): PURPOSE is "restore" or "drill".\n'
        'verify_backup() {\n'
        '  purpose=$2\n'
        '  if [ -n "${b_latest_json:-}" ] && [ "$1" = "$b_latest_key" ]; then\n'
        '    cat "$b_latest_json" > "$WORK_DIR/restore.json"\n'
        '  else\n'
        '    out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$1.json" "$WORK_DIR/restore.json" 2>&1) ||\n'
        '      fail "the metadata object s3://$S3_BUCKET/$1.json is missing or unreadable, so $1 cannot be verified: $out"\n'
        '  fi\n'
        '  for field in object release namespace; do\n'
        '    case $field in object) want=$1 ;; release) want=$RELEASE ;; namespace) want=$NAMESPACE ;; esac\n'
        '    got=$(meta_field "$field" "$WORK_DIR/restore.json")\n'
        '    # Compared as the metadata holds it: JSON-escaped (a key may hold quotes and backslashes).\n'
        '    want=$(json_string "$want") want=${want#\\"} want=${want%\\"}\n'
        '    [ "$got" = "$want" ] || fail "s3://$S3_BUCKET/$1.json names $field \\"$got\\", not \\"$want\\": it does not describe this backup of $RELEASE in namespace $NAMESPACE; refusing to $purpose it"\n'
        '  done\n'
        '  expected_sha256=$(meta_field sha256 "$WORK_DIR/restore.json")\n'
        '  expected_size=$(meta_field size "$WORK_DIR/restore.json")\n'
        '  format=$(meta_field format "$WORK_DIR/restore.json")\n'
        '  [ -n "$expected_sha256" ] && [ -n "$expected_size" ] || fail "the metadata object s3://$S3_BUCKET/$1.json is incomplete"\n'
        "  # A native backup loads only where the release's Backup.Format is native: its load step then has the keys\n"
        '  # (templates/_pod.j2) and an image that has RESTORE ... FROM LATEST IN (renderer/values/validate.py). An sql\n'
        '  # release would drop the database and then fail to load it. An SQL dump loads in either.\n'
        '  [ "$format" != native ] || [ "${BACKUP_FORMAT:-sql}" = native ] ||\n'
        '    fail "s3://$S3_BUCKET/$1 is a native backup (CockroachDB\'s BACKUP) and this release\'s Backup.Format is \\\n'
        '${BACKUP_FORMAT:-sql}, whose $purpose step cannot load it: refusing to $purpose it, nothing was dropped. Set \\\n'
        'enclaveos-chart.Backup.Format=native, with a database image of v21.1.14+, v21.2.3+ or v22.1+"\n'
        '  rm -f "$WORK_DIR/expected-tables" "$WORK_DIR/public-only"\n'
        '  if grep -q \'^  "tables": {\' "$WORK_DIR/restore.json"; then\n'
        '    meta_tables "$WORK_DIR/restore.json" > "$WORK_DIR/expected-tables"\n'
        '    if ! grep -qxF "$TABLE_NAMES_FIELD" "$WORK_DIR/restore.json"; then\n'
        '      LC_ALL=C awk "$LEGACY_TABLE_NAMES" "$WORK_DIR/expected-tables" | LC_ALL=C sort > "$WORK_DIR/legacy-tables"\n'
        '      mv "$WORK_DIR/legacy-tables" "$WORK_DIR/expected-tables"\n'
        '      # It counted the tables of public only: those of other schemas are not compared (load.sh).\n'
        '      : > "$WORK_DIR/public-only"\n'
        '    fi\n'
        '  else\n'
        '    log "the metadata records no row counts (a file uploaded by helm datashield-restore): the import is checked for errors only"\n'
        '  fi\n'
        '  read_backup "$1"\n'
        '  mismatch=$(read_mismatch "$1")\n'
        '  if [ -n "$mismatch" ]; then\n'
        '    # A fault in transit (a flipped bit on the wire) does not come back on a second read; a damaged\n'
        '    # backup reads back wrong again.\n'
        '    read_backup "$1"\n'
        '    again=$(read_mismatch "$1")\n'
        '    [ -z "$again" ] || fail "$again: the backup is damaged"\n'
        '    log "WARNING: the first read differed ($mismatch), the second matched: a fault in transit, not a damaged backup"\n'
        '  fi\n'
        '  # Checked before anything is dropped or imported: every table the metadata counts is created by the dump.\n'
        '  if [ -f "$WORK_DIR/expected-tables" ] && [ "$format" = sql ]; then\n'
        '    missing=$(LC_ALL=C awk "$NOT_CREATED" "$WORK_DIR/expected-tables" "$WORK_DIR/restore.sql" 2>&1) ||\n'
        '      fail "cannot read the tables of s3://$S3_BUCKET/$1.json: $missing"\n'
        '    [ -z "$missing" ] ||\n'
        '      fail "s3://$S3_BUCKET/$1 creates no table $missing, which its metadata counts: the backup is damaged"\n'
        '  fi\n'
        '}\n'
        '# read_backup KEY: reads the backup KEY of $format (an SQL dump into $WORK_DIR/restore.sql, a native one summed\n'
        '# where it is) and sets size and sha256 (verify_backup).\n'
        'read_backup() {\n'
        '  case $format in\n'
        '    sql) get_summed "$1" "$WORK_DIR/restore.sql" && size=$summed_size sha256=$summed_sha256 ;;\n'
        '    native) native_digest "$1" ;;\n'
        '    *) fail "s3://$S3_BUCKET/$1 has format \\"$format\\"; this $purpose Job reads \\"sql\\" and \\"native\\"" ;;\n'
        '  esac\n'
        '}\n'
        '# read_mismatch KEY: how the backup KEY as read_backup read it ($size, $sha256) differs from its metadata\n'
        '# ($expected_size, $expected_sha256); nothing when it does not.\n'
        'read_mismatch() {\n'
        '  if [ "$size" != "$expected_size" ]; then\n'
        '    echo "s3://$S3_BUCKET/$1 has $size bytes, its metadata says $expected_size"\n'
        '  elif [ "$sha256" != "$expected_sha256" ]; then\n'
        '    echo "s3://$S3_BUCKET/$1 does not match the SHA-256 in its metadata"\n'
        '  fi\n'
        '}\n'
        '# metadata_json KEY FORMAT FILES SIZE SHA256 CREATED [LINE]...: the metadata object of a backup (or\n'
        "# safety dump) at KEY, with $cluster (the database cluster's identity, dump.sh), $database_version,\n"
        '# $manager_nodes and $database_nodes (JSON lists, or null with $nodes_error saying why), the row counts\n'
        '# in $WORK_DIR/tables (db_table_counts\' \'"name": rows\' lines, JSON already), and LINEs (\'  "field": <JSON>,\', such as "kind").\n'
        '# shellcheck disable=SC2154  # the values named above: set by the steps that call it (upload.sh, fetch.sh)\n'
        'metadata_json() {\n'
        '  printf \'{\\n  "writer": "helm-datashield",\\n  "format": "%s",\\n\' "$2"\n'
        '  printf \'  "object": %s,\\n\' "$(json_string "$1")"\n'
        '  printf \'  "files": %s,\\n  "size": %s,\\n  "sha256": "%s",\\n  "created": "%s",\\n\' "$3" "$4" "$5" "$6"\n'
        '  shift 6\n'
        '  for line in "$@"; do printf \'%s\\n\' "$line"; done\n'
        '  printf \'  "release": %s,\\n  "namespace": %s,\\n\' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"\n'
        '  printf \'  "cluster": %s,\\n\' "$(json_string "$cluster")"\n'
        '  printf \'  "database": %s,\\n  "databaseVersion": %s,\\n\' "$(json_string "$DATABASE_NAME")" \\\n'
        '    "$(json_string "$database_version")"\n'
        '  printf \'  "nodes": {"manager": %s, "database": %s},\\n\' "$manager_nodes" "$database_nodes"\n'
        '  [ -z "$nodes_error" ] || printf \'  "nodesError": %s,\\n\' "$(json_string "$nodes_error")"\n'
        '  printf \'%s\\n\' "$TABLE_NAMES_FIELD"\n'
        '  tables_json "$WORK_DIR/tables"\n'
        '}\n'
        '# tables_json FILE: the end of a metadata object or drill record: "tables", one member a line, from FILE\'s\n'
        '# \'"name": rows\' lines (JSON already; none when FILE is missing), then the object\'s closing brace.\n'
        'tables_json() {\n'
        '  printf \'  "tables": {\\n\'\n'
        '  if [ -f "$1" ]; then sed \'s/^/    /; $!s/$/,/\' "$1"; fi\n'
        "  printf '  }\\n}\\n'\n"
        '}\n'),
    'upload.sh': (
        '# Step "upload" (AWS CLI image), beside the dump step ($BESIDE, lib.sh side_by_side): an SQL dump streams\n'
        '# from it into the bucket, summed on the way, then read back and compared by SHA-256; a native backup\n'
        '# (written into the bucket by the database) is read and summed once the dump step has ended. Then the\n'
        '# metadata object (written last: it marks the backup complete), then retention. First of all, the dump\n'
        '# step waits for it to say that the release is not in restore mode ($WORK_DIR/not-restoring): a backup\n'
        '# of a database that a restore is changing would be complete, verified, and become `latest`.\n'
        'refuse_in_restore_mode backup\n'
        ': > "$WORK_DIR/not-restoring"\n'
        "# This node's clock names the backup (the dump step's `created`, in the same pod): checked against the object\n"
        "# store's before a byte of the dump is read, while the dump step starts (it connects to the database and reads its\n"
        '# identity); an SQL dump then waits on the stream, which this step opens only once the clock is right, a native\n'
        '# BACKUP (which writes into the bucket itself) for $WORK_DIR/clock-checked. A wrong clock makes no backup (nothing is\n'
        '# uploaded, no BACKUP started), and the Job fails as one that kept none (exit 1, not KEPT_EXIT).\n'
        "# - First the Date of the store's answer to a HEAD of the endpoint (store_date: one curl call). When this clock\n"
        '#   agrees with it, that is all (issue 23: it used to be three AWS CLI calls every run).\n'
        "# - Otherwise (no answer, no Date, or a Date this clock disagrees with, which may be a server's in between) the\n"
        "#   store's own clock decides: an empty object this pod writes, whose name no listing of backups takes (it starts\n"
        "#   with a dot, as --status' probe), one per release, its LastModified read, the object deleted again.\n"
        "# - A store that refuses that write (keys, bucket, endpoint) refuses the backup's upload too, which then says why\n"
        '#   in its own words: the check is skipped, said in the log, and retention checks the clock again (the LastModified\n'
        '#   of the metadata object) before it deletes anything.\n'
        'if store_time=$(store_date) && ! clock_off "$store_time"; then\n'
        '  :\n'
        'else\n'
        '  log "checking this pod\'s clock by an object written to the store (the Date of its answer to a HEAD of \\\n'
        '$S3_ENDPOINT: $(if [ -n "${c_skew:-}" ]; then echo "this clock is ${c_skew#-} s $c_way it"; else echo "$store_time"; fi))"\n'
        '  clock_probe=$(key_of "$NAMESPACE/.datashield-clock-$RELEASE")\n'
        '  : > "$WORK_DIR/clock-probe"  # --body takes a regular file only (the CLI checks os.path.isfile; /dev/null is refused)\n'
        '  if out=$(s3 s3api put-object --bucket "$S3_BUCKET" --key "$clock_probe" --body "$WORK_DIR/clock-probe" 2>&1); then\n'
        '    probe_read=0\n'
        '    probe_time=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$clock_probe" --query LastModified --output text \\\n'
        '      2>&1) || probe_read=$?\n'
        '    out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$clock_probe" 2>&1) ||\n'
        '      log "WARNING: cannot delete s3://$S3_BUCKET/$clock_probe (the clock check\'s; delete it yourself): $out"\n'
        '    [ "$probe_read" = 0 ] || fail "cannot read when the object store wrote s3://$S3_BUCKET/$clock_probe, to check \\\n'
        'this pod\'s clock: no backup was made: $probe_time"\n'
        '    clock_checked "$probe_time" "the store wrote s3://$S3_BUCKET/$clock_probe" "" "no backup was made"\n'
        '  else\n'
        '    log "WARNING: cannot write s3://$S3_BUCKET/$clock_probe to check this pod\'s clock before the upload: $out"\n'
        '  fi\n'
        'fi\n'
        ': > "$WORK_DIR/clock-checked"\n'
        'wait_for "$BESIDE" "$WORK_DIR/dump/name" || fail "$(peer_failure "$BESIDE"): nothing was uploaded"\n'
        'name=$(value dump name) format=$(value dump format) created=$(value dump created)\n'
        'cluster=$(value dump cluster) database_version=$(value dump database_version)\n'
        'key=$(key_of "$name")\n'
        'files=1\n'
        "# dump_ok: waits for the dump step's end; true when it succeeded.\n"
        'dump_ok() { wait_for "$BESIDE" "$WORK_DIR/$BESIDE.status" && ended "$BESIDE" && [ "$ended_status" = 0 ]; }\n'
        'if [ "$format" = native ]; then\n'
        '  dump_ok || fail "$(peer_failure "$BESIDE"): nothing was uploaded"\n'
        '  native_digest "$key"\n'
        '  [ "$files" -gt 0 ] || fail "BACKUP wrote nothing under s3://$S3_BUCKET/$key/"\n'
        'else\n'
        '  log "uploading s3://$S3_BUCKET/$key as the $BESIDE step writes it"\n'
        '  put_streamed "$STREAM" "$key"\n'
        "  # Complete only if the dump is: an upload ends at the dump's end of file, whether it ended well or not.\n"
        '  dump_ok || fail "$(peer_failure "$BESIDE"): $(deleted "$key" "what it had streamed")"\n'
        '  # Read back against the stream that went up: the object is the dump, byte for byte, and it creates every table\n'
        '  # counted (read_back_dump).\n'
        '  tables_counted=$WORK_DIR/tables\n'
        '  [ -f "$tables_counted" ] || tables_counted=/dev/null\n'
        '  read_back_dump "$key" "$streamed_cksum" "$tables_counted"\n'
        '  size=$summed_size sha256=$streamed_sha256\n'
        '  [ "$size" -gt 0 ] || fail "the dump of $DATABASE_NAME is empty: $(deleted "$key" "its object")"\n'
        'fi\n'
        '# The nodes are what a restore checks the SGX rule against. Without them the backup is\n'
        '# still kept (its data matters more), but the log and the metadata say why they are missing.\n'
        "nodes_error=''\n"
        'manager_nodes=$(nodes_of "$MANAGER_SELECTOR") || { nodes_error="manager pods: $manager_nodes"; manager_nodes=null; }\n'
        'database_nodes=$(nodes_of "$DATABASE_SELECTOR") ||\n'
        '  { nodes_error="${nodes_error:+$nodes_error; }database pods: $database_nodes"; database_nodes=null; }\n'
        '[ -z "$nodes_error" ] ||\n'
        '  log "WARNING: cannot read the nodes ($nodes_error); a restore of this backup will need an explicit override"\n'
        'metadata_json "$key" "$format" "$files" "$size" "$sha256" "$created" \'  "kind": "backup",\' > "$WORK_DIR/$name.json"\n'
        'put_verified "$WORK_DIR/$name.json" "$key.json"\n'
        'log "backup complete: s3://$S3_BUCKET/$key ($size bytes, sha256 $sha256)"\n'
        '# From here on the backup is complete: a failure keeps it, says so, and exits with KEPT_EXIT, on\n'
        "# which the Job's podFailurePolicy fails the Job without another try (every try writes another backup).\n"
        'fail_code=$KEPT_EXIT\n'
        'fail_note="; THE BACKUP s3://$S3_BUCKET/$key IS COMPLETE AND KEPT: only what follows it failed, and the Job is \\\n'
        'not tried again (exit $KEPT_EXIT)"\n'
        '# Retention, the last and most careful step: keeps the newest $RETENTION complete backups of this\n'
        '# release, namespace and database cluster (our_backups: only what the metadata proves ours; backups of\n'
        '# the earlier layout, which name no cluster, count too) and deletes older ones, data first and\n'
        '# metadata last, so that a pair cut short stays provably ours: a half-deleted pair (metadata whose\n'
        '# data is gone) is finished by the next run. The backup just written is never deleted by its own\n'
        '# run; future-dated, foreign and damaged objects are reported by our_backups and never touched.\n'
        "# The store's time of the metadata object: its read-back's answer (put_verified), so no call of its own.\n"
        'clock_checked "$summed_modified" "the store wrote s3://$S3_BUCKET/$key.json" "retention: " "nothing was deleted"\n'
        'stamp=$(printf \'%s\' "$created" | tr -d \':-\')\n'
        'our_backups\n'
        'grep -e " $cluster " -e \' - \' "$WORK_DIR/backups" > "$WORK_DIR/retained" || true\n'
        'grep -qxF "$stamp $cluster $key" "$WORK_DIR/retained" ||\n'
        '  fail "retention: the backup just written, $key, is not among the complete backups listed: nothing deleted"\n'
        'count=$(grep -c . "$WORK_DIR/retained" || true)\n'
        'excess=$((count - RETENTION))\n'
        "# delete_pair KEY FORMAT: the data (an object, or a native backup's folder), then the backup's drill\n"
        '# records (KEY.drill-<stamp>.json, listed now: a drill may have written one since our_backups listed), then\n'
        '# the metadata object, last: until it is gone the pair stays provably ours, and the next run finishes it.\n'
        'delete_pair() {\n'
        '  case $2 in\n'
        '    native) out=$(s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$1/" 2>&1) ;;\n'
        '    *) out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1" 2>&1) ;;\n'
        '  esac || fail "retention: cannot delete s3://$S3_BUCKET/$1 (its metadata object is kept, the next run tries again): $out"\n'
        '  out=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$1.drill-" --output json --query \'Contents[].Key\' 2>&1) ||\n'
        '    fail "retention: deleted s3://$S3_BUCKET/$1 but cannot list its drill records (the next run finishes it): $out"\n'
        '  printf \'%s\\n\' "$out" | sed -n "s|^ *\\"\\([$OUR_KEY_CHARS]*\\)\\",\\{0,1\\}\\$|\\1|p" > "$WORK_DIR/drill-records"\n'
        '  while read -r record; do\n'
        '    # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the key around it is quoted, literal\n'
        '    case $record in "$1".drill-$STAMP_GLOB.json) ;; *) continue ;; esac\n'
        '    out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$record" 2>&1) ||\n'
        '      fail "retention: deleted s3://$S3_BUCKET/$1 but not its drill record $record (the next run finishes it): $out"\n'
        '  done < "$WORK_DIR/drill-records"\n'
        '  out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1.json" 2>&1) ||\n'
        '    fail "retention: deleted s3://$S3_BUCKET/$1 but not its metadata object (the next run finishes it): $out"\n'
        '}\n'
        'while read -r half_stamp half_cluster half_key; do\n'
        '  # Metadata of ours whose data is gone or short, older than this backup: a deletion cut short.\n'
        '  case $half_cluster in "$cluster" | -) ;; *) continue ;; esac\n'
        '  [ "$(printf \'%s\' "$half_stamp" | tr -d TZ)" -lt "$(printf \'%s\' "$stamp" | tr -d TZ)" ] || continue\n'
        '  delete_pair "$half_key" "${half_key##*.}"\n'
        '  log "retention: finished deleting $half_key (a deletion cut short earlier)"\n'
        'done < "$WORK_DIR/half-deleted"\n'
        '# Drill records whose backup is gone, data and metadata (a drill that outlived its backup wrote one just\n'
        '# after retention deleted it: record.sh checks first, but a run can still land in between): the listing of\n'
        '# our_backups, only keys named as a drill record of a backup of this release and namespace (our_name), and\n'
        '# only of backups older than this one. Nothing else reads them, and nothing would delete them ever.\n'
        'grep -F .drill- "$WORK_DIR/listing" > "$WORK_DIR/listed-records" || true\n'
        'while read -r _ orphan; do\n'
        '  # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the key around it is quoted, literal\n'
        '  case $orphan in "$b_base"*.drill-$STAMP_GLOB.json) ;; *) continue ;; esac\n'
        '  drilled=${orphan%.drill-*}\n'
        '  our_name "${drilled#"$b_base"}" || continue\n'
        '  [ "$(printf \'%s\' "$b_stamp" | tr -d TZ)" -lt "$(printf \'%s\' "$stamp" | tr -d TZ)" ] || continue\n'
        "  # shellcheck disable=SC2016  # $2 is awk's\n"
        '  ! awk -v key="$drilled" \'$2 == key || $2 == key ".json" || index($2, key "/") == 1 { found = 1 } END { exit !found }\' \\\n'
        '    "$WORK_DIR/listing" || continue\n'
        '  out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$orphan" 2>&1) ||\n'
        '    fail "retention: cannot delete $orphan, a drill record of the deleted backup $drilled (the next run tries again): $out"\n'
        '  log "retention: deleted $orphan, a drill record of $drilled, which was deleted before the drill ended"\n'
        'done < "$WORK_DIR/listed-records"\n'
        'if [ "$excess" -le 0 ]; then\n'
        '  log "retention: $count complete backups, at most $RETENTION are kept: nothing to delete"\n'
        'else\n'
        '  head -n "$excess" "$WORK_DIR/retained" | while read -r _ _ old; do\n'
        '    [ "$old" != "$key" ] || continue\n'
        '    delete_pair "$old" "${old##*.}"\n'
        '    log "retention: deleted $old"\n'
        '  done\n'
        'fi\n'
        "# Orphans: the data of this release's own backups that never completed. An upload or a native BACKUP killed\n"
        '# mid-way leaves data and no metadata object (none will ever be written), an upload killed mid-stream an\n'
        '# unfinished multipart upload (its parts, paid for, listed as no object); nothing else would ever delete them.\n'
        "# Deleted (aborted) once older, by the object store's clock (c_store, when it wrote this backup's metadata\n"
        "# object: clock_checked), than the backup Job's deadline (BACKUP_DEADLINE_SECONDS): no Job still running can be\n"
        '# writing them. Only names of the current layout and this cluster (our_name): one of the earlier layout names\n'
        "# no namespace, so without metadata it cannot be proved ours, and another cluster's are its own pods' to sweep\n"
        "# (their deadline may be longer). Shared buckets: nothing else is listed (listing's filter). The listing is\n"
        "# our_backups', from before retention: what retention deleted since was a complete pair, listed with its metadata,\n"
        '# so never taken for an orphan; what a run still under way writes since is younger than the deadline. Last, so that a sweep\n'
        '# that fails never keeps retention from the complete backups. Unfinished uploads need permissions that retention\n'
        '# needs nowhere else (s3:ListBucketMultipartUploads, s3:AbortMultipartUpload): keys without them get a WARNING,\n'
        '# and a lifecycle rule (AbortIncompleteMultipartUpload) does that part.\n'
        'swept_before=$((c_store - BACKUP_DEADLINE_SECONDS))\n'
        'swept_why="older than the backup Job\'s deadline of $BACKUP_DEADLINE_SECONDS s"\n'
        "# orphan KEY TIME: whether KEY (data, an object or a native backup's folder), written at TIME by the store's\n"
        "# clock, is of this release's, namespace's and cluster's backups and written before swept_before.\n"
        'orphan() {\n'
        '  our_name "${1#"$b_base"}" && [ "$b_cluster" = "$cluster" ] &&\n'
        '    o_written=$(date -u -d "$2" +%s 2> /dev/null) && [ "$o_written" -lt "$swept_before" ]\n'
        '}\n'
        "# shellcheck disable=SC2016  # $1, $2 are awk's\n"
        'awk \'{ key = $2; at = index(key, ".native/"); if (at) key = substr(key, 1, at + 6); listed[$2] = 1\n'
        '    if (!(key in last) || $1 > last[key]) last[key] = $1 }\n'
        '  END { for (key in last) if (!((key ".json") in listed)) print last[key], key }\' "$WORK_DIR/dated" > "$WORK_DIR/unrecorded"\n'
        'while read -r o_time o_key; do\n'
        '  orphan "$o_key" "$o_time" || continue\n'
        '  case $o_key in\n'
        '    *.native) out=$(s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$o_key/" 2>&1) ;;\n'
        '    *) out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$o_key" 2>&1) ;;\n'
        '  esac || fail "retention: cannot delete s3://$S3_BUCKET/$o_key, the data of a backup that never completed (the next run tries again): $out"\n'
        '  log "retention: deleted s3://$S3_BUCKET/$o_key, the data of a backup that never completed (no metadata object, $swept_why)"\n'
        'done < "$WORK_DIR/unrecorded"\n'
        'out=$(s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" --prefix "$b_base" --output json \\\n'
        '  --query "Uploads[?$l_filter].join(\' \', [Initiated, UploadId, Key])" 2>&1) || {\n'
        '  log "retention: WARNING: cannot list the unfinished uploads under s3://$S3_BUCKET/$b_base: $out"\n'
        "  out=''\n"
        '}\n'
        'printf \'%s\\n\' "$out" |\n'
        '  sed -n "s|^ *\\"\\([0-9][-0-9T:.+Z]*\\) \\([A-Za-z0-9._~=+/-]*\\) \\([$OUR_KEY_CHARS]*\\)\\",\\{0,1\\}\\$|\\1 \\2 \\3|p" > "$WORK_DIR/unfinished"\n'
        'while read -r o_time o_id o_key; do\n'
        '  case $o_key in *.native/*) o_data=${o_key%%.native/*}.native ;; *) o_data=$o_key ;; esac\n'
        '  orphan "$o_data" "$o_time" || continue\n'
        '  if out=$(s3 s3api abort-multipart-upload --bucket "$S3_BUCKET" --key "$o_key" --upload-id "$o_id" 2>&1); then\n'
        '    log "retention: aborted an unfinished upload to s3://$S3_BUCKET/$o_key ($swept_why)"\n'
        '  else\n'
        '    log "retention: WARNING: cannot abort the unfinished upload $o_id to s3://$S3_BUCKET/$o_key (the next run tries again): $out"\n'
        '  fi\n'
        'done < "$WORK_DIR/unfinished"\n'),
}
