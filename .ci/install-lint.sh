#!/usr/bin/env bash
# install-lint.sh makes sure the linters `make lint` runs are in
# $(go env GOPATH)/bin (or $GOBIN) at the pinned versions, and builds the
# ones that are missing or at another version with `go install`. Later runs
# read each binary's build info (`go version -m`) and return at once.
#
# The pins, and why these:
#   goimports, deadcode  golang.org/x/tools      v0.53.0
#   staticcheck          honnef.co/go/tools      v0.8.2 (2026.2.2)
#   golangci-lint        .../golangci-lint/v2    v2.15.0
# each the newest release on the module proxy at the time of pinning, and each
# built and ran with go1.26.8. A linter must be built with a Go at least as
# new as the code it reads, so when go.mod's go line moves, rebuild (delete
# the binary) and, if a linter fails to load packages, raise its pin here.
#
# The first run on a cold build cache takes minutes: golangci-lint took 11.5
# minutes and staticcheck with deadcode 2.5 on two busy cores (other builds
# and tests running). With the build cache warm, all four take under half a
# minute; with the binaries in place, no time at all. Progress goes to stderr.
set -euo pipefail

log() { printf 'install-lint: %s\n' "$*" >&2; }

# binary name, module path, package path, version
tools=(
	"goimports golang.org/x/tools golang.org/x/tools/cmd/goimports v0.53.0"
	"deadcode golang.org/x/tools golang.org/x/tools/cmd/deadcode v0.53.0"
	"staticcheck honnef.co/go/tools honnef.co/go/tools/cmd/staticcheck v0.8.2"
	"golangci-lint github.com/golangci/golangci-lint/v2 github.com/golangci/golangci-lint/v2/cmd/golangci-lint v2.15.0"
)

gobin="$(go env GOBIN)"
if [[ -z "$gobin" ]]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi
mkdir -p "$gobin"

# installed succeeds when $gobin/$1 was built from module $2 at version $3.
installed() {
	[[ -x "$gobin/$1" ]] || return 1
	go version -m "$gobin/$1" 2>/dev/null | awk -v m="$2" -v v="$3" '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'
}

# Two `make lint` runs (or CI steps) may start at once; one builds, the other
# waits and then finds the binaries in place.
exec 9>"$gobin/.lint-install.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi

tmp=""
for t in "${tools[@]}"; do
	read -r name module pkg version <<<"$t"
	if installed "$name" "$module" "$version"; then
		continue
	fi
	if [[ -z "$tmp" ]]; then
		# Build from a scratch directory so `go install` never sees this
		# module's go.mod (the tools' dependencies are not Hromada's).
		tmp="$(mktemp -d)"
		trap 'rm -rf "$tmp"' EXIT
	fi
	log "building $pkg@$version into $gobin…"
	start=$SECONDS
	(cd "$tmp" && GOBIN="$gobin" GOFLAGS=-buildvcs=false go install "$pkg@$version") >&2
	log "built $name in $((SECONDS - start))s"
	installed "$name" "$module" "$version" || { log "$gobin/$name is not $module@$version after go install"; exit 1; }
done
