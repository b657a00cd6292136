#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of the module, one at a time (go test
# -fuzz takes one target per invocation), each for FUZZTIME.
#
#   FUZZTIME   how long each target runs: a duration (2m, 5s) or a count
#              of executions (10000x). Default 2m.
#   FUZZ_ONLY  a regular expression: only targets whose name matches it.
#   FUZZMINIMIZETIME  how long a new input is minimised (default 10s, not
#              go test's 60s: a slow target, like a CMS verified with
#              ДСТУ 4145, would otherwise spend its whole run minimising).
#   FUZZ_LOG   a directory to keep each target's output in (default: a
#              temporary one, removed at the end).
#
# The targets are found, not listed: every `func FuzzXxx(f *testing.F)` in
# a *_test.go file under the module, grouped by the file's package folder.
# A crash leaves its input in the package's testdata/fuzz/FuzzXxx/, where
# plain `go test` replays it from then on: commit it with the fix. The
# script goes through every target, prints one line of figures for each
# (executions, new interesting inputs) and exits non-zero if any failed.
set -uo pipefail

cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-2m}"
FUZZ_ONLY="${FUZZ_ONLY:-.}"
GO="${GO:-go}"
keep=1
if [ -z "${FUZZ_LOG:-}" ]; then
	FUZZ_LOG="$(mktemp -d)"
	keep=0
fi
mkdir -p "$FUZZ_LOG"

targets="$(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go' -not -path './.git/*')"
# "dir name" per target, in a stable order.
list="$(for f in $targets; do
	grep -oE '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' "$f" | sed -E "s|^func (Fuzz[A-Za-z0-9_]+).*|$(dirname "$f") \1|"
done | sort -u | grep -E " .*${FUZZ_ONLY}" || true)"

if [ -z "$list" ]; then
	echo "fuzz.sh: no fuzz target matches '$FUZZ_ONLY'" >&2
	exit 1
fi

failed=()
n=0
while read -r dir name; do
	n=$((n + 1))
	log="$FUZZ_LOG/$name.log"
	start=$(date +%s)
	# Go 1.26's fuzz coordinator can report the end of -fuzztime itself as
	# a failure: a bare "context deadline exceeded", no failing input
	# written (go.dev/issue/75804, fixed in Go 1.27). Such a run is run
	# again, at most twice; a run that writes a failing input, or any other
	# failure, fails at once.
	corpus="$dir/testdata/fuzz/$name"
	for attempt in 1 2 3; do
		before="$(ls "$corpus" 2>/dev/null | sort)"
		"$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "${FUZZMINIMIZETIME:-10s}" "./$dir/" >"$log" 2>&1
		rc=$?
		after="$(ls "$corpus" 2>/dev/null | sort)"
		if [ $rc -ne 0 ] && [ "$before" = "$after" ] && ! grep -q 'Failing input written' "$log" &&
			[ "$(grep -vE '^(fuzz: elapsed|warning: starting with empty corpus)' "$log" | grep -vE '^(--- FAIL: '"$name"' |FAIL|exit status 1)' | sed -E 's/^[[:space:]]+//' | grep -v '^$')" = "context deadline exceeded" ] &&
			[ $attempt -lt 3 ]; then
			echo "fuzz.sh: $name ended with Go's bare \"context deadline exceeded\" and no failing input (go.dev/issue/75804); running it again" >&2
			continue
		fi
		break
	done
	secs=$(($(date +%s) - start))
	figures="$(grep -E '^fuzz: elapsed' "$log" | tail -1 | sed -E 's/^fuzz: //')"
	if [ $rc -eq 0 ]; then
		printf 'ok    %-28s %-28s %4ss  %s\n' "$name" "$dir" "$secs" "$figures"
	else
		failed+=("$name")
		printf 'FAIL  %-28s %-28s %4ss  %s\n' "$name" "$dir" "$secs" "$figures"
		grep -vE '^fuzz: elapsed' "$log" | tail -30 | sed 's/^/      /'
	fi
done <<<"$list"

[ $keep -eq 0 ] && rm -rf "$FUZZ_LOG"
# The closing line in the plain form a test runner's summary takes.
echo "fuzz: $((n - ${#failed[@]})) passed, ${#failed[@]} failed (each target for $FUZZTIME)"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz.sh: failed: ${failed[*]}" >&2
	exit 1
fi
