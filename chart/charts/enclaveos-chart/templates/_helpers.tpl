{{/*
Names. Each object name is "<release>-<suffix>". There is deliberately no
nameOverride/fullnameOverride: the datashield-backup post-renderer and the
restore command find the objects by these names. So names are never cut short:
a release name that would make one too long fails the render instead.
*/}}

{{/*
The longest name is the StatefulSet "<release>-enclaveos-cockroachdb": its pods
carry the label controller-revision-hash "<name>-<10 characters>", at most 63.
*/}}
{{- define "enclaveos.checkReleaseName" -}}
{{- $max := 30 -}}
{{- if gt (len .Release.Name) $max -}}
{{- fail (printf "release name %q is %d characters long; this chart allows at most %d (the StatefulSet %s-enclaveos-cockroachdb must stay within 52)" .Release.Name (len .Release.Name) $max .Release.Name) -}}
{{- end -}}
{{- end -}}

{{/* The manager Deployment and its Service: <release>-enclaveos-manager */}}
{{- define "enclaveos.manager.fullname" -}}
{{- include "enclaveos.checkReleaseName" . -}}
{{- printf "%s-enclaveos-manager" .Release.Name -}}
{{- end -}}

{{/* The CockroachDB StatefulSet and its headless Service: <release>-enclaveos-cockroachdb */}}
{{- define "enclaveos.cockroachdb.fullname" -}}
{{- include "enclaveos.checkReleaseName" . -}}
{{- printf "%s-enclaveos-cockroachdb" .Release.Name -}}
{{- end -}}

{{/* The CockroachDB client Service: <release>-enclaveos-cockroachdb-public */}}
{{- define "enclaveos.cockroachdb.publicName" -}}
{{- include "enclaveos.checkReleaseName" . -}}
{{- printf "%s-enclaveos-cockroachdb-public" .Release.Name -}}
{{- end -}}

{{/* Chart name and version, as used by the helm.sh/chart label. */}}
{{- define "enclaveos.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels. Call with (dict "ctx" $ "component" "<component>").
*/}}
{{- define "enclaveos.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
Standard labels. Call with (dict "ctx" $ "component" "<component>").
*/}}
{{- define "enclaveos.labels" -}}
{{ include "enclaveos.selectorLabels" . }}
app.kubernetes.io/part-of: enclave-manager
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "enclaveos.chart" .ctx }}
{{- end -}}

{{/* "repository:tag" of an image given as {Repository, Tag}. */}}
{{- define "enclaveos.image" -}}
{{- printf "%s:%s" .Repository (toString .Tag) -}}
{{- end -}}
