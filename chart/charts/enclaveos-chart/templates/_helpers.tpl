{{/*
Names. Each object name is "<release>-<suffix>", cut to 63 characters (the
limit of a DNS label) without a trailing "-". There is deliberately no
nameOverride/fullnameOverride: the datashield-backup post-renderer and the
restore command find the objects by these names.
*/}}

{{/* The manager Deployment and its Service: <release>-enclaveos-manager */}}
{{- define "enclaveos.manager.fullname" -}}
{{- printf "%s-enclaveos-manager" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The CockroachDB StatefulSet and its headless Service: <release>-enclaveos-cockroachdb */}}
{{- define "enclaveos.cockroachdb.fullname" -}}
{{- printf "%s-enclaveos-cockroachdb" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The CockroachDB client Service: <release>-enclaveos-cockroachdb-public */}}
{{- define "enclaveos.cockroachdb.publicName" -}}
{{- printf "%s-enclaveos-cockroachdb-public" .Release.Name | trunc 63 | trimSuffix "-" -}}
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
