#!/usr/bin/env bash
# install-mailpit.sh makes sure a Mailpit binary exists and prints its path
# on the last line of stdout. The e-mail tests of modules/notify send over
# SMTP to a real Mailpit (no fakes) and read what arrived through its HTTP
# API; tenanttest.Mailpit calls this script to find one, and `make
# test-deps` calls it once up front so the build lands in the cache.
#
# Where it looks, in order:
#   1. $HROMADA_MAILPIT_BIN (must be executable)
#   2. $(go env GOPATH)/bin/mailpit, where `go install` puts it
#   3. mailpit on PATH
# and if none is there it builds one with `go install`. Progress goes to
# stderr so callers can take the path from stdout.
#
# MAILPIT_MODULE_VERSION picks the version to build. It is pinned (unlike
# MinIO's @latest): Mailpit tags semver releases, and the tests read its
# HTTP API (/api/v1/messages, /api/v1/message/{id}/raw), which a major
# release may change.
set -euo pipefail

log() { printf 'install-mailpit: %s\n' "$*" >&2; }

version="${MAILPIT_MODULE_VERSION:-v1.27.11}"

if [[ -n "${HROMADA_MAILPIT_BIN:-}" ]]; then
	if [[ -x "$HROMADA_MAILPIT_BIN" ]]; then
		log "using HROMADA_MAILPIT_BIN"
		printf '%s\n' "$HROMADA_MAILPIT_BIN"
		exit 0
	fi
	log "HROMADA_MAILPIT_BIN=$HROMADA_MAILPIT_BIN is not an executable file; looking elsewhere"
fi

gobin="$(go env GOBIN)"
if [[ -z "$gobin" ]]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi

if [[ -x "$gobin/mailpit" ]]; then
	printf '%s\n' "$gobin/mailpit"
	exit 0
fi

if found="$(command -v mailpit 2>/dev/null)" && [[ -n "$found" ]]; then
	printf '%s\n' "$found"
	exit 0
fi

# Two `go test` binaries may call this at the same moment; let one build and
# the other wait for it.
mkdir -p "$gobin"
lock="$gobin/.mailpit-install.lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi
if [[ -x "$gobin/mailpit" ]]; then
	printf '%s\n' "$gobin/mailpit"
	exit 0
fi

log "building github.com/axllent/mailpit@$version into $gobin…"
start=$SECONDS
# Run from a scratch directory so the build never sees this module's go.mod.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOBIN="$gobin" GOFLAGS=-buildvcs=false go install "github.com/axllent/mailpit@$version") >&2
log "built in $((SECONDS - start))s"

if [[ ! -x "$gobin/mailpit" ]]; then
	log "go install finished but $gobin/mailpit is missing"
	exit 1
fi
printf '%s\n' "$gobin/mailpit"
