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
{{- $digest := index ($img.digests | default dict) .service | default "" }}
{{- if $digest }}
{{- printf "%s@%s" $repo $digest }}
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
The environment of a service's container: plain settings, then one
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
- name: SHIPYARD_SHUTDOWN_TIMEOUT_MS
  value: {{ $v.shutdownTimeoutMs | int | quote }}
{{- if ne .service "api-gateway" }}
- name: SHIPYARD_METRICS_PORT
  value: {{ $v.metrics.port | int | quote }}
{{- end }}
{{- if has "database" $uses }}
{{- /* A service may run under its own, least-privilege role (services.<name>.database); its migrations Job keeps the owner's URL. */}}
{{- $db := $cfg.database | default dict }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_DATABASE_URL" "secret" ($db.existingSecret | default $v.database.existingSecret) "key" ($db.urlKey | default $v.database.urlKey)) }}
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
- name: SHIPYARD_TRUST_PROXY
  value: {{ $v.trustProxy | default (ternary "1" "false" $v.ingress.enabled) | toString | quote }}
{{- range $name, $svc := $v.services }}
{{- if and (ne $name "api-gateway") $svc.enabled }}
- name: {{ printf "SHIPYARD_%s_URL" ($name | upper) }}
  value: {{ printf "http://%s:%d" (include "shipyard.serviceName" (dict "root" $root "service" $name)) ($svc.port | int) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if $cfg.modelCache }}
- name: SHIPYARD_INFERENCE_CACHE_DIR
  value: {{ include "shipyard.modelCachePath" . | quote }}
{{- end }}
{{- range $name, $value := $cfg.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
The environment of a migrations Job: only what a SHIPYARD_MIGRATE_ONLY boot reads. The app is created
(its DataSource migrates) and closed without listening or running init hooks: no NATS (the connector
may try in the background and is closed), no Redis, no signing keys, no administrator. Kept: the
environment, the log level, the database URL, the service's extra `env` (e.g. SHIPYARD_AUDIT_DB_ROLE,
which the audit migrations read), and, in production, the S3 secret key of registry/experiments: their
configuration is validated whole at boot and refuses the development default secret in production.
dict "root" $ "service" name "config" $cfg
*/}}
{{- define "shipyard.migrationEnv" -}}
{{- $v := .root.Values }}
{{- $cfg := .config }}
{{- $uses := $cfg.uses | default list }}
- name: SHIPYARD_MIGRATE_ONLY
  value: "true"
- name: SHIPYARD_ENV
  value: {{ $v.environment | quote }}
- name: SHIPYARD_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_DATABASE_URL" "secret" $v.database.existingSecret "key" $v.database.urlKey) }}
{{- if and (has "s3" $uses) (eq $v.environment "production") }}
{{ include "shipyard.secretEnv" (dict "name" "SHIPYARD_S3_SECRET_KEY" "secret" $v.s3.existingSecret "key" $v.s3.secretKeyKey) }}
{{- end }}
{{- range $name, $value := $cfg.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Where inference's model cache volume is mounted (services.inference.modelCache). */}}
{{- define "shipyard.modelCachePath" -}}
/var/cache/shipyard-models
{{- end }}

{{/*
The gateway's public paths, routed by the Ingress when a host lists no `paths`: everything but /metrics
and /health/* (in-cluster only). Returns YAML (a list; callers pipe it through fromYamlArray).
*/}}
{{- define "shipyard.ingressDefaultPaths" -}}
- {path: /api, pathType: Prefix}
- {path: /ajax-api, pathType: Prefix}
- {path: /v2, pathType: Prefix}
- {path: /.well-known, pathType: Prefix}
- {path: /docs, pathType: Prefix}
- {path: /openapi.json, pathType: Exact}
{{- end }}

{{/* Checks ---------------------------------------------------------------------------------------- */}}

{{/*
Settings that would only fail in the cluster, refused at render time instead. auth refuses to start in
production on an empty database without SHIPYARD_ADMIN_EMAIL/SHIPYARD_ADMIN_PASSWORD (it creates the
first administrator from them): without admin.existingSecret that is a crash-looping first install.
*/}}
{{- define "shipyard.validate" -}}
{{- $v := .Values }}
{{- if $v.ingress.enabled }}
{{- range $v.ingress.hosts }}
{{- range (.paths | default list) }}
{{- if or (and (eq .path "/") (ne .pathType "Exact")) (hasPrefix "/metrics" .path) }}
{{- fail (printf "ingress path %s (%s) would route the gateway's /metrics publicly (it is for networkPolicy.metricsFrom only): list the public paths instead, or leave `paths` out for the default list" .path .pathType) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (eq $v.environment "production") (index $v.services "auth").enabled (not $v.admin.existingSecret) (not $v.admin.bootstrapped) }}
{{- fail "admin.existingSecret is empty while environment is production: auth cannot create the first administrator and will not start on a new database. Create a Secret with SHIPYARD_ADMIN_EMAIL and SHIPYARD_ADMIN_PASSWORD and set admin.existingSecret to its name, or set admin.bootstrapped=true if this database already has its users." }}
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
