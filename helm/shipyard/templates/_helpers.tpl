{{/* Names ------------------------------------------------------------------------------------- */}}

{{- define "shipyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shipyard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* <fullname>-<service>: the name of a service's Deployment, Service, ServiceAccount, HPA, PDB. */}}
{{- define "shipyard.serviceName" -}}
{{- printf "%s-%s" (include "shipyard.fullname" .root) .service | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels ------------------------------------------------------------------------------------ */}}

{{- define "shipyard.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "shipyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: shipyard
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Every pod of this release (the default-deny NetworkPolicy selects these). */}}
{{- define "shipyard.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "shipyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* dict "root" $ "service" "registry" */}}
{{- define "shipyard.selectorLabels" -}}
{{ include "shipyard.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .service }}
{{- end }}

{{- define "shipyard.labels" -}}
{{ include "shipyard.commonLabels" .root }}
app.kubernetes.io/component: {{ .service }}
{{- end }}

{{/* Configuration --------------------------------------------------------------------------------- */}}

{{/*
Deep merge of two maps, `over` winning; lists and scalars are replaced whole. Sprig's mergeOverwrite
cannot be used: it ignores "empty" overrides, so `autoscaling: {enabled: false}` would be lost.
Returns YAML (callers pipe it through fromYaml).
*/}}
{{- define "shipyard.merge" -}}
{{- $out := dict }}
{{- range $k, $v := .base }}{{ $_ := set $out $k $v }}{{ end }}
{{- range $k, $v := .over }}
{{- $cur := get $out $k }}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) }}
{{- $_ := set $out $k (include "shipyard.merge" (dict "base" $cur "over" $v) | fromYaml) }}
{{- else }}
{{- $_ := set $out $k $v }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* A service's effective settings: serviceDefaults overlaid with services.<name>. dict "root" $ "service" name */}}
{{- define "shipyard.serviceConfig" -}}
{{- include "shipyard.merge" (dict "base" .root.Values.serviceDefaults "over" (index .root.Values.services .service)) }}
{{- end }}

{{- define "shipyard.image" -}}
{{- $img := .root.Values.image }}
{{- $repo := printf "%s-%s" $img.repository .service }}
{{- if $img.digest }}
{{- printf "%s@%s" $repo $img.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{- define "shipyard.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: {{ .key | quote }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/*
The environment of a service's container (and of its migrations Job): plain settings, then one
secretKeyRef per external system the service `uses`. dict "root" $ "service" name "config" $cfg
*/}}
{{- define "shipyard.env" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $cfg := .config }}
{{- $uses := $cfg.uses | default list }}
- name: SHIPYARD_ENV
  value: {{ $v.environment | quote }}
- name: SHIPYARD_BIND_HOST
  value: "0.0.0.0"
- name: {{ $cfg.portVariable }}
  value: {{ $cfg.port | int | quote }}
- name: SHIPYARD_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: SHIPYARD_LOG_FORMAT
  value: json
- name: SHIPYARD_SHUTDOWN_TIMEOUT_MS
  value: {{ $v.shutdownTimeoutMs | int | quote }}
{{- if has "database" $uses }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_DATABASE_URL" "secret" $v.database.existingSecret "key" $v.database.urlKey) }}
- name: SHIPYARD_DATABASE_POOL_SIZE
  value: {{ $v.database.poolSize | int | quote }}
{{- end }}
{{- if has "nats" $uses }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_NATS_URL" "secret" $v.nats.existingSecret "key" $v.nats.urlKey) }}
- name: SHIPYARD_EVENTS_STREAM
  value: {{ $v.nats.eventsStream | quote }}
{{- end }}
{{- if has "s3" $uses }}
- name: SHIPYARD_S3_ENDPOINT
  value: {{ $v.s3.endpoint | quote }}
- name: SHIPYARD_S3_BUCKET
  value: {{ $v.s3.bucket | quote }}
- name: SHIPYARD_S3_REGION
  value: {{ $v.s3.region | quote }}
{{- if $v.s3.publicEndpoint }}
- name: SHIPYARD_S3_PUBLIC_ENDPOINT
  value: {{ $v.s3.publicEndpoint | quote }}
{{- end }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_S3_ACCESS_KEY" "secret" $v.s3.existingSecret "key" $v.s3.accessKeyKey) }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_S3_SECRET_KEY" "secret" $v.s3.existingSecret "key" $v.s3.secretKeyKey) }}
{{- end }}
{{- if has "redis" $uses }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_REDIS_URL" "secret" $v.redis.existingSecret "key" $v.redis.urlKey) }}
{{- end }}
{{- if has "jwt" $uses }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_JWT_PRIVATE_KEYS" "secret" $v.jwt.existingSecret "key" $v.jwt.privateKeysKey) }}
{{- end }}
{{- if and (has "admin" $uses) $v.admin.existingSecret }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_ADMIN_EMAIL" "secret" $v.admin.existingSecret "key" $v.admin.emailKey "optional" true) }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_ADMIN_PASSWORD" "secret" $v.admin.existingSecret "key" $v.admin.passwordKey "optional" true) }}
{{- end }}
{{- if eq .service "api-gateway" }}
{{- range $name, $svc := $v.services }}
{{- if and (ne $name "api-gateway") $svc.enabled }}
- name: {{ printf "SHIPYARD_%s_URL" ($name | upper) }}
  value: {{ printf "http://%s:%d" (include "shipyard.serviceName" (dict "root" $root "service" $name)) ($svc.port | int) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $value := $cfg.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Hardening ------------------------------------------------------------------------------------- */}}

{{- define "shipyard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "shipyard.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Whether a service's HPA also scales on request rate. dict "root" $ "config" $cfg */}}
{{- define "shipyard.requestRateEnabled" -}}
{{- $rr := .config.autoscaling.requestRate }}
{{- if eq (toString $rr.enabled) "auto" }}
{{- if .root.Capabilities.APIVersions.Has "custom.metrics.k8s.io/v1beta1" }}true{{ end }}
{{- else if eq (toString $rr.enabled) "true" }}true
{{- end }}
{{- end }}
