#!/usr/bin/env bash
# Installs what web/browsertest needs to drive a real headless browser:
#   - Debian's chromium (never a browser downloaded by Playwright: machines
#     reach only package registries, and one system browser is enough);
#   - fonts with Cyrillic glyphs, so Ukrainian text renders in screenshots
#     instead of empty boxes;
#   - playwright-core and axe-core from testdata/browser/package-lock.json.
#
# Idempotent and cheap when everything is in place, so Go tests may call it on
# every run. Safe to run concurrently (go test runs packages in parallel):
# the work is serialised with flock. All messages go to stderr.
set -euo pipefail

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export DEBIAN_FRONTEND=noninteractive

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
browser_dir="$root/testdata/browser"

log() { echo "install-browser: $*" >&2; }

lock="${TMPDIR:-/tmp}/hromada-install-browser.lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
	flock -w 900 9 || { log "timed out waiting for $lock"; exit 1; }
fi

# --- Debian packages -------------------------------------------------------
need_pkgs=()
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
# DejaVu covers Cyrillic (incl. ґ, є, і, ї); it is the fallback fontconfig uses.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)

if [ "${#need_pkgs[@]}" -gt 0 ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		log "missing ${need_pkgs[*]} and no apt-get to install them"
		exit 1
	fi
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo="sudo"
		else
			log "missing ${need_pkgs[*]}; need root (or sudo) to install them"
			exit 1
		fi
	fi
	log "installing ${need_pkgs[*]}"
	# Refresh the package lists only if the packages are unknown (fresh machine).
	if ! apt-cache show "${need_pkgs[@]}" >/dev/null 2>&1; then
		log "apt-get update"
		$sudo apt-get update -qq -o DPkg::Lock::Timeout=600 >&2
	fi
	if ! $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need_pkgs[@]}" >&2; then
		# Stale lists (404 on a superseded version): refresh once and retry.
		log "install failed; refreshing package lists and retrying"
		$sudo apt-get update -qq -o DPkg::Lock::Timeout=600 >&2
		$sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need_pkgs[@]}" >&2
	fi
fi
[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium still missing"; exit 1; }

# --- Node packages ---------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	log "node and npm are required (Node.js >= 20, as playwright-core needs)"
	exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
	log "Node.js $(node --version) is too old: playwright-core needs >= 20"
	exit 1
fi

cd "$browser_dir"
marker="node_modules/.package-lock.json" # written by npm ci / npm install
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ] ||
	[ ! -f node_modules/playwright-core/package.json ] ||
	[ ! -f node_modules/axe-core/axe.min.js ]; then
	log "npm ci in testdata/browser"
	npm ci --no-audit --no-fund --loglevel=error >&2
	touch "$marker"
fi

log "ok: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1), node $(node --version)"
