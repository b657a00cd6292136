{{/*
Chart name, truncated to 63 characters (DNS label limit).
*/}}
{{- define "hromada.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. Truncated to 52 characters so that suffixes such as
"-worker" or "-migrate" still fit in 63.
*/}}
{{- define "hromada.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "hromada.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels (stable; never add version here).
*/}}
{{- define "hromada.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hromada.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "hromada.labels" -}}
helm.sh/chart: {{ include "hromada.chart" . }}
{{ include "hromada.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hromada
{{- end }}

{{/*
Labels of one component (web | worker | migrate).
Usage: include "hromada.componentLabels" (dict "root" $ "component" "web")
*/}}
{{- define "hromada.componentLabels" -}}
{{ include "hromada.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Selector labels of one component (web | worker | migrate).
Usage: include "hromada.componentSelectorLabels" (dict "root" $ "component" "web")
*/}}
{{- define "hromada.componentSelectorLabels" -}}
{{ include "hromada.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
ServiceAccount used by the web and worker pods.
*/}}
{{- define "hromada.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hromada.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference.
*/}}
{{- define "hromada.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
Secret holding HROMADA_DATABASE_URL, HROMADA_OBJECT_STORE and HROMADA_OPERATOR_KEY.
*/}}
{{- define "hromada.secretName" -}}
{{- default (include "hromada.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
Secret holding HROMADA_OWNER_DATABASE_URL (migrate Job only).
*/}}
{{- define "hromada.ownerSecretName" -}}
{{- if .Values.migrate.existingSecret }}
{{- .Values.migrate.existingSecret }}
{{- else if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- printf "%s-migrate" (include "hromada.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Validate values shared by all workloads.
*/}}
{{- define "hromada.validate" -}}
{{- if not (has .Values.config.env (list "dev" "production")) }}
{{- fail "config.env must be \"dev\" or \"production\"" }}
{{- end }}
{{- if not .Values.config.baseDomain }}
{{- fail "config.baseDomain is required (HROMADA_BASE_DOMAIN, e.g. hromada.gov.ua)" }}
{{- end }}
{{- if and (eq .Values.config.env "production") (not .Values.existingSecret) (lt (len .Values.secrets.operatorKey) 32) }}
{{- fail "secrets.operatorKey must be at least 32 characters in production (hromada refuses a shorter one)" }}
{{- end }}
{{- end }}

{{/*
Environment of the web and worker containers.
Usage: include "hromada.env" (dict "root" $ "component" "web")
HROMADA_OPERATOR_KEY is given to the web component only.
*/}}
{{- define "hromada.env" -}}
{{- $root := .root -}}
- name: HROMADA_ENV
  value: {{ $root.Values.config.env | quote }}
- name: HROMADA_ADDR
  value: {{ printf ":%d" (int $root.Values.containerPort) | quote }}
- name: HROMADA_BASE_DOMAIN
  value: {{ $root.Values.config.baseDomain | quote }}
- name: HROMADA_LOG_LEVEL
  value: {{ $root.Values.config.logLevel | quote }}
- name: HROMADA_SHUTDOWN_TIMEOUT
  value: {{ $root.Values.config.shutdownTimeout | quote }}
- name: HROMADA_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "hromada.secretName" $root }}
      key: {{ $root.Values.secretKeys.databaseUrl }}
- name: HROMADA_OBJECT_STORE
  valueFrom:
    secretKeyRef:
      name: {{ include "hromada.secretName" $root }}
      key: {{ $root.Values.secretKeys.objectStore }}
- name: HROMADA_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "hromada.secretName" $root }}
      key: {{ $root.Values.secretKeys.secretKey }}
{{- if eq .component "web" }}
- name: HROMADA_OPERATOR_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "hromada.secretName" $root }}
      key: {{ $root.Values.secretKeys.operatorKey }}
{{- if or $root.Values.existingSecret $root.Values.secrets.operatorDatabaseUrl }}
- name: HROMADA_OPERATOR_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "hromada.secretName" $root }}
      key: {{ $root.Values.secretKeys.operatorDatabaseUrl }}
      # An existing Secret may leave it out: the operator console is then off.
      optional: true
{{- end }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Checksum of the generated Secret, so that pods restart when it changes.
(A Secret given via existingSecret is not tracked; restart the pods yourself.)
*/}}
{{- define "hromada.secretChecksum" -}}
{{- include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
