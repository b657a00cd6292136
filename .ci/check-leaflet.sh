#!/usr/bin/env bash
# check-leaflet.sh checks that web/static/vendor/leaflet holds exactly the
# files of the pinned Leaflet release from npm: it fetches the package with
# `npm pack` (the npm registry is the only network it needs), checks the
# tarball against the integrity pinned here (the registry's dist.integrity
# of that version, sha512), then compares every vendored file with the
# package's byte for byte, and SHA256SUMS with the vendored files.
#
# Why vendored: the portal serves the library from its own origin (CSP
# script-src 'self', no CDN at run time) and a clean clone builds and tests
# offline; this script is how a reviewer proves the files are npm's.
# To upgrade: change VERSION and INTEGRITY (npm view leaflet@X dist.integrity),
# copy the files from the new package, regenerate SHA256SUMS, run this.
set -euo pipefail

VERSION=1.9.4
INTEGRITY='sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=='

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/web/static/vendor/leaflet"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "leaflet@$VERSION" >/dev/null)
tarball="$tmp/leaflet-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$got" != "$INTEGRITY" ]]; then
	echo "check-leaflet: leaflet@$VERSION from npm is $got, pinned $INTEGRITY" >&2
	exit 1
fi
tar -xzf "$tarball" -C "$tmp"
pkg="$tmp/package"
declare -A from=(
	[leaflet.js]=dist/leaflet.js
	[leaflet.css]=dist/leaflet.css
	[LICENSE]=LICENSE
	[images/marker-icon.png]=dist/images/marker-icon.png
	[images/marker-icon-2x.png]=dist/images/marker-icon-2x.png
	[images/marker-shadow.png]=dist/images/marker-shadow.png
)
for f in "${!from[@]}"; do
	cmp -s "$vendor/$f" "$pkg/${from[$f]}" || { echo "check-leaflet: $f differs from leaflet@$VERSION's ${from[$f]}" >&2; exit 1; }
done
(cd "$vendor" && sha256sum --quiet -c SHA256SUMS)
echo "check-leaflet: web/static/vendor/leaflet is leaflet@$VERSION from npm ($INTEGRITY)"
