{{/* Names and labels. */}}
{{- define "orbitwatch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "orbitwatch.componentName" -}}
{{- printf "%s-%s" (include "orbitwatch.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orbitwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "orbitwatch.labels" -}}
{{ include "orbitwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "orbitwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
Environment every orbitwatch process shares (compose: x-orbitwatch-env). Called with
(dict "root" $ "admin" true) by the one-shot jobs, which log in to Elasticsearch as the
admin user instead of the app user, and with "metricsPort" by the web desk, which serves
/metrics, /health and /ready on its own port.
*/}}
{{- define "orbitwatch.env" -}}
{{- $v := .root.Values -}}
- name: ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS
  value: {{ $v.kafka.bootstrapServers | quote }}
{{- if ne $v.kafka.securityProtocol "PLAINTEXT" }}
- name: ORBITWATCH_KAFKA_SECURITY_PROTOCOL
  value: {{ $v.kafka.securityProtocol | quote }}
{{- end }}
{{- if hasPrefix "SASL_" $v.kafka.securityProtocol }}
- name: ORBITWATCH_KAFKA_SASL_MECHANISM
  value: {{ required "kafka.sasl.mechanism is required with a SASL_* securityProtocol" $v.kafka.sasl.mechanism | quote }}
- name: ORBITWATCH_KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with a SASL_* securityProtocol" $v.kafka.sasl.username | quote }}
- name: ORBITWATCH_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret (the Secret holding the SASL password) is required with a SASL_* securityProtocol" $v.kafka.sasl.existingSecret }}
      key: {{ $v.kafka.sasl.passwordKey }}
{{- end }}
{{- if $v.kafka.tls.caSecret }}
- name: ORBITWATCH_KAFKA_SSL_CAFILE
  value: /etc/orbitwatch/kafka-ca/{{ $v.kafka.tls.caKey }}
{{- end }}
{{- if $v.kafka.tls.clientSecret }}
- name: ORBITWATCH_KAFKA_SSL_CERTFILE
  value: /etc/orbitwatch/kafka-client/{{ $v.kafka.tls.certKey }}
- name: ORBITWATCH_KAFKA_SSL_KEYFILE
  value: /etc/orbitwatch/kafka-client/{{ $v.kafka.tls.keyKey }}
{{- end }}
- name: ORBITWATCH_ES_URL
  value: {{ $v.elasticsearch.url | quote }}
{{- if .admin }}
- name: ORBITWATCH_ES_USERNAME
  value: {{ $v.setup.adminUsername | quote }}
- name: ORBITWATCH_ES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "setup.adminSecret (the Secret holding the Elasticsearch admin password) is required" $v.setup.adminSecret }}
      key: {{ $v.setup.adminPasswordKey }}
{{- else if $v.elasticsearch.apiKeySecret }}
- name: ORBITWATCH_ES_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.elasticsearch.apiKeySecret }}
      key: {{ $v.elasticsearch.apiKeyKey }}
{{- else }}
- name: ORBITWATCH_ES_USERNAME
  value: {{ $v.elasticsearch.username | quote }}
- name: ORBITWATCH_ES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "elasticsearch.existingSecret (the Secret holding the app user's password) or elasticsearch.apiKeySecret is required" $v.elasticsearch.existingSecret }}
      key: {{ $v.elasticsearch.passwordKey }}
{{- end }}
{{- if $v.elasticsearch.caSecret }}
- name: ORBITWATCH_ES_CA_FILE
  value: /etc/orbitwatch/es-ca/{{ $v.elasticsearch.caKey }}
{{- end }}
{{- if not $v.elasticsearch.verifyCerts }}
- name: ORBITWATCH_ES_VERIFY_CERTS
  value: "false"
{{- end }}
- name: ORBITWATCH_INDEX_PREFIX
  value: {{ $v.indexPrefix | quote }}
- name: ORBITWATCH_TOPIC_PARTITIONS
  value: {{ $v.topics.partitions | quote }}
- name: ORBITWATCH_TOPIC_REPLICATION_FACTOR
  value: {{ $v.topics.replicationFactor | quote }}
- name: ORBITWATCH_APP_ID
  value: {{ $v.appId | quote }}
- name: ORBITWATCH_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: ORBITWATCH_LOG_FORMAT
  value: json
- name: ORBITWATCH_METRICS_HOST
  value: 0.0.0.0
- name: ORBITWATCH_METRICS_PORT
  value: {{ default $v.metricsPort .metricsPort | quote }}
{{- end -}}

{{/* Mounts of the TLS material the settings above point at, and writable scratch space
(the root file system is read-only). */}}
{{- define "orbitwatch.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /var/lib/orbitwatch
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/orbitwatch/kafka-ca
  readOnly: true
{{- end }}
{{- if .Values.kafka.tls.clientSecret }}
- name: kafka-client
  mountPath: /etc/orbitwatch/kafka-client
  readOnly: true
{{- end }}
{{- if .Values.elasticsearch.caSecret }}
- name: es-ca
  mountPath: /etc/orbitwatch/es-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "orbitwatch.volumes" -}}
- name: tmp
  emptyDir: {}
# The image's home: the worker's data dir (ORBITWATCH_DATA_DIR) lives below it.
- name: home
  emptyDir: {}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: {{ .Values.kafka.tls.caKey }}
{{- end }}
{{- if .Values.kafka.tls.clientSecret }}
- name: kafka-client
  secret:
    secretName: {{ .Values.kafka.tls.clientSecret }}
    # Owner root, group fsGroup: the non-root process reads the key through its group.
    defaultMode: 0440
    items:
      - key: {{ .Values.kafka.tls.certKey }}
        path: {{ .Values.kafka.tls.certKey }}
      - key: {{ .Values.kafka.tls.keyKey }}
        path: {{ .Values.kafka.tls.keyKey }}
{{- end }}
{{- if .Values.elasticsearch.caSecret }}
- name: es-ca
  secret:
    secretName: {{ .Values.elasticsearch.caSecret }}
    items:
      - key: {{ .Values.elasticsearch.caKey }}
        path: {{ .Values.elasticsearch.caKey }}
{{- end }}
{{- end -}}

{{/* Liveness on /health, readiness on /ready, both on the metrics port; the startup probe
gives a process its start-up time (compose: start_period) before liveness counts. */}}
{{- define "orbitwatch.probes" -}}
{{- $p := .root.Values.probes -}}
startupProbe:
  httpGet:
    path: /health
    port: {{ .port }}
  periodSeconds: 5
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ div .startupSeconds 5 }}
livenessProbe:
  httpGet:
    path: /health
    port: {{ .port }}
  periodSeconds: {{ $p.periodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
readinessProbe:
  httpGet:
    path: /ready
    port: {{ .port }}
  periodSeconds: {{ $p.periodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
{{- end -}}

{{/* Pod-level settings every orbitwatch pod shares. */}}
{{- define "orbitwatch.podSpecCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
