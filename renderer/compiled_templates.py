"""Generated from renderer/templates/*.j2 by renderer/template_compiler.py: do not edit.

    .venv/bin/python -m renderer.template_compiler > renderer/compiled_templates.py
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
    out.append('\n'
               'initContainers:')
    for step_2 in steps_[:-1]:
        out.append(str(rt.indent(pod__container(ctx, s_, step_2), 2)))
    out.append('\n'
               'containers:')
    out.append(str(rt.indent(pod__container(ctx, s_, rt.item(steps_, -1)), 2)))
    out.append('\n'
               'volumes:\n'
               '  - name: work\n'
               '    emptyDir: {}\n'
               '  - name: tmp\n'
               '    emptyDir: {}')
    if rt.attr(s_, 'database_certs_secret'):
        out.append('\n'
                   '  - name: database-certs\n'
                   '    secret:\n'
                   '      secretName: ')
        out.append(str(rt.q(rt.attr(s_, 'database_certs_secret'))))
        out.append('\n'
                   '      defaultMode: 0400')
    if rt.to_list(rt.selectattr(steps_, 'kube_api')):
        out.append('\n'
                   '  # The API token, mounted only into the container that reads the nodes.\n'
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
    if rt.attr(s_, 'database_certs_secret') and (not rt.attr(step_, 'object_store')):
        out.append('\n'
                   '    - name: DATABASE_CERTS_DIR\n'
                   '      value: /cockroach-certs')
    if rt.attr(step_, 'object_store'):
        out.append('\n'
                   "    # At most this long for one call to the object store (s3.sh): far inside the Jobs'\n"
                   "    # activeDeadlineSeconds (21600), which a backup's three tries share.\n"
                   '    - name: S3_CALL_TIMEOUT\n'
                   '      value: "1800"')
    if rt.attr(step_, 'kube_api'):
        out.append('\n'
                   '    - name: MANAGER_SELECTOR\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'manager_selector'))))
        out.append('\n'
                   '    - name: DATABASE_SELECTOR\n'
                   '      value: ')
        out.append(str(rt.q(rt.attr(s_, 'database_selector'))))
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
                   '      value: us-east-1\n'
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
    if rt.attr(s_, 'database_certs_secret') and (not rt.attr(step_, 'object_store')):
        out.append('\n'
                   '    - name: database-certs\n'
                   '      mountPath: /cockroach-certs\n'
                   '      readOnly: true')
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
    out.append('apiVersion: batch/v1\n'
               'kind: CronJob\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'cronjob_name'), 'backup', rt.context(ctx, 'filename'))))
    out.append('\n'
               'spec:\n'
               '  schedule: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'schedule'))))
    out.append('\n'
               '  timeZone: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'time_zone'))))
    out.append('\n'
               '  # Suspended in restore mode too: a backup must not dump a half-restored database.\n'
               '  suspend: ')
    out.append(str(rt.q(rt.attr(rt.context(ctx, 's'), 'suspend') or rt.attr(rt.context(ctx, 's'), 'restore_enabled'))))
    out.append('\n'
               '  concurrencyPolicy: Forbid\n'
               '  startingDeadlineSeconds: ')
    out.append(str(rt.attr(rt.context(ctx, 's'), 'starting_deadline_seconds')))
    out.append('\n'
               '  successfulJobsHistoryLimit: 3\n'
               '  failedJobsHistoryLimit: 3\n'
               '  jobTemplate:\n'
               '    metadata:\n'
               '      labels:')
    out.append(str(rt.indent(pod__labels(ctx, rt.context(ctx, 's'), 'backup'), 8)))
    out.append('\n'
               '    spec:\n'
               '      backoffLimit: 2\n'
               '      activeDeadlineSeconds: 21600\n'
               '      template:\n'
               '        metadata:\n'
               '          labels:')
    out.append(str(rt.indent(pod__labels(ctx, rt.context(ctx, 's'), 'backup'), 12)))
    out.append('\n'
               '        spec:')
    out.append(str(rt.indent(pod__pod_spec(ctx, rt.context(ctx, 's'), rt.context(ctx, 'steps')), 10)))
    out.append('\n')
    return "".join(out)


def render_backup_rbac_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('# The backup pod records which nodes ran the manager and the database (the restore checks\n'
               '# the SGX same-hardware rule against them): it may read pods in its namespace, nothing else.\n'
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


def render_restore_job_yaml(ctx: Context) -> str:
    out: list[str] = []
    out.append('apiVersion: batch/v1\n'
               'kind: Job\n')
    out.append(str(pod__metadata(ctx, rt.context(ctx, 's'), rt.attr(rt.context(ctx, 's'), 'restore_job_name'), 'restore', rt.context(ctx, 'filename'))))
    out.append('\n'
               'spec:\n'
               '  # A restore that failed half-way is not retried on its own: the operator decides.\n'
               '  backoffLimit: 0\n'
               '  activeDeadlineSeconds: 21600\n'
               '  template:\n'
               '    metadata:\n'
               '      labels:')
    out.append(str(rt.indent(pod__labels(ctx, rt.context(ctx, 's'), 'restore'), 8)))
    out.append('\n'
               '    spec:')
    out.append(str(rt.indent(pod__pod_spec(ctx, rt.context(ctx, 's'), rt.context(ctx, 'steps')), 6)))
    out.append('\n')
    return "".join(out)


RENDER = {
    'backup-cronjob.yaml.j2': render_backup_cronjob_yaml,
    'backup-rbac.yaml.j2': render_backup_rbac_yaml,
    'restore-job.yaml.j2': render_restore_job_yaml,
}
