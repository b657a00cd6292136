// Package charttest holds the tests of what ships Hromada to a cluster: the
// Helm chart in charts/hromada, rendered by the real helm (built by
// .ci/install-helm.sh) and each manifest decoded strictly into the
// Kubernetes API's own types, and the container image's Dockerfile, whose
// build command is run as the Dockerfile runs it. It has no code of its own.
package charttest
