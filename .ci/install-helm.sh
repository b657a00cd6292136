#!/usr/bin/env bash
# install-helm.sh makes sure a helm binary exists and prints its path on the
# last line of stdout. The chart's test (charts/hromada/charttest) runs the
# real `helm lint` and `helm template` on the chart; it calls this script to
# find one, and `make test-deps` calls it once up front so the slow build
# lands in the cache.
#
# Where it looks, in order:
#   1. $HROMADA_HELM_BIN (must be executable)
#   2. $(go env GOPATH)/bin/helm, where `go install` puts it
# and if neither is there it builds one with `go install` at the pinned
# version (a few minutes on two cores; later runs return at once). A helm
# found elsewhere on PATH is not used: its version is not the one pinned.
# Progress goes to stderr so callers can take the path from stdout.
set -euo pipefail

log() { printf 'install-helm: %s\n' "$*" >&2; }

# Helm 4: the chart is apiVersion v2, which helm 4 renders as helm 3 did.
version="${HELM_MODULE_VERSION:-v4.3.2}"

if [[ -n "${HROMADA_HELM_BIN:-}" ]]; then
	if [[ -x "$HROMADA_HELM_BIN" ]]; then
		log "using HROMADA_HELM_BIN"
		printf '%s\n' "$HROMADA_HELM_BIN"
		exit 0
	fi
	log "HROMADA_HELM_BIN=$HROMADA_HELM_BIN is not an executable file; looking elsewhere"
fi

gobin="$(go env GOBIN)"
if [[ -z "$gobin" ]]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi

if [[ -x "$gobin/helm" ]]; then
	printf '%s\n' "$gobin/helm"
	exit 0
fi

# Two `go test` binaries may call this at the same moment; one builds, the
# other waits for it.
mkdir -p "$gobin"
exec 9>"$gobin/.helm-install.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi
if [[ -x "$gobin/helm" ]]; then
	printf '%s\n' "$gobin/helm"
	exit 0
fi

log "building helm.sh/helm/v4/cmd/helm@$version into $gobin (takes a few minutes)…"
start=$SECONDS
# A scratch directory, so the build never sees this module's go.mod.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOBIN="$gobin" GOFLAGS=-buildvcs=false go install "helm.sh/helm/v4/cmd/helm@$version") >&2
log "built in $((SECONDS - start))s"

if [[ ! -x "$gobin/helm" ]]; then
	log "go install finished but $gobin/helm is missing"
	exit 1
fi
printf '%s\n' "$gobin/helm"
