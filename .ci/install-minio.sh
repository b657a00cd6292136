#!/usr/bin/env bash
# install-minio.sh makes sure a MinIO server binary exists and prints its
# path on the last line of stdout. The document store's tests run against a
# real MinIO server (no fakes), and tenanttest.MinIO calls this script to
# find one; CI calls it once up front so the slow build lands in the cache.
#
# Where it looks, in order:
#   1. $HROMADA_MINIO_BIN (must be executable)
#   2. $(go env GOPATH)/bin/minio, where `go install` puts it
#   3. minio on PATH
# and if none is there it builds one with `go install`. The build takes
# several minutes on two cores; later runs return at once. Progress goes to
# stderr so callers can take the path from stdout.
#
# MINIO_MODULE_VERSION picks the version to build (default: latest). No pin
# is needed today: @latest resolved to v0.0.0-20260212201848-7aac2a2c5b7c and
# built with go1.26.8 in about 2.5 minutes on two cores. MinIO tags releases
# as RELEASE.<date>, not semver, so `go list -m -versions` lists nothing and
# @latest is a pseudo-version; if it ever stops building, pin a pseudo-version
# here (from `go list -m github.com/minio/minio@<commit>`).
set -euo pipefail

log() { printf 'install-minio: %s\n' "$*" >&2; }

version="${MINIO_MODULE_VERSION:-latest}"

if [[ -n "${HROMADA_MINIO_BIN:-}" ]]; then
	if [[ -x "$HROMADA_MINIO_BIN" ]]; then
		log "using HROMADA_MINIO_BIN"
		printf '%s\n' "$HROMADA_MINIO_BIN"
		exit 0
	fi
	log "HROMADA_MINIO_BIN=$HROMADA_MINIO_BIN is not an executable file; looking elsewhere"
fi

gobin="$(go env GOBIN)"
if [[ -z "$gobin" ]]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi

if [[ -x "$gobin/minio" ]]; then
	printf '%s\n' "$gobin/minio"
	exit 0
fi

if found="$(command -v minio 2>/dev/null)" && [[ -n "$found" ]]; then
	printf '%s\n' "$found"
	exit 0
fi

# Two `go test` binaries may call this at the same moment; let one build and
# the other wait for it, rather than both spending minutes on the same work.
mkdir -p "$gobin"
lock="$gobin/.minio-install.lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi
if [[ -x "$gobin/minio" ]]; then
	printf '%s\n' "$gobin/minio"
	exit 0
fi

log "building github.com/minio/minio@$version into $gobin (takes a few minutes)…"
start=$SECONDS
# Run from a scratch directory so the build never sees this module's go.mod.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOBIN="$gobin" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$version") >&2
log "built in $((SECONDS - start))s"

if [[ ! -x "$gobin/minio" ]]; then
	log "go install finished but $gobin/minio is missing"
	exit 1
fi
printf '%s\n' "$gobin/minio"
