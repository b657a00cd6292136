#!/usr/bin/env bash
# Installs what Hromada needs from Debian's packages, once: the PostgreSQL
# server binaries (for the embedded cluster and the test harness) and the
# Ukrainian Hunspell dictionary that catalog search uses (hunspell-uk; Debian's
# postgresql-common links it into PostgreSQL's tsearch_data), and the tools
# the PDF and signature tests check Hromada's output with: poppler-utils
# (pdftotext, pdfinfo, pdfsig, pdffonts) and qpdf (--check: the PDF writer's
# output is well formed) and openssl (cms -verify, an implementation that
# is not ours), and xmlsec1 (XML-DSig: the Trusted Lists the tests seal verify
# with it too), and softhsm2 (a PKCS#11 token in files: the providers' seal
# keys made and used inside an HSM are tested against it), and pgbackrest (the
# backup and restore drill, docs/backup.md). Those tests fail, never skip, when a tool is missing. Safe to
# run again: it installs nothing that is there.
set -euo pipefail

have_pg() { [ -n "${HROMADA_PG_BIN:-}" ] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have_uk() { compgen -G "/usr/share/postgresql/*/tsearch_data/uk_ua.affix" >/dev/null; }
have_poppler() { command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null && command -v pdfsig >/dev/null && command -v pdffonts >/dev/null; }
have_qpdf() { command -v qpdf >/dev/null; }
have_openssl() { command -v openssl >/dev/null; }
have_xmlsec() { command -v xmlsec1 >/dev/null; }
have_pgbackrest() { command -v pgbackrest >/dev/null; }
have_softhsm() { command -v softhsm2-util >/dev/null && compgen -G "/usr/lib/*/softhsm/libsofthsm2.so" >/dev/null; }

missing=()
have_pg || missing+=(postgresql-15 postgresql-contrib)
have_uk || missing+=(hunspell-uk)
have_poppler || missing+=(poppler-utils)
have_qpdf || missing+=(qpdf)
have_openssl || missing+=(openssl)
have_xmlsec || missing+=(xmlsec1)
have_softhsm || missing+=(softhsm2)
have_pgbackrest || missing+=(pgbackrest)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}…" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
# Debian starts a system cluster on install; Hromada runs its own.
$SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
# postgresql-common links new dictionaries when a PostgreSQL is installed;
# make sure the link exists when the dictionary came after the server.
if ! have_uk && command -v pg_updatedicts >/dev/null; then
  $SUDO pg_updatedicts >&2 || true
fi
have_pg || { echo "deps: PostgreSQL server binaries still missing" >&2; exit 1; }
have_uk || { echo "deps: the Ukrainian dictionary is not in PostgreSQL's tsearch_data" >&2; exit 1; }
have_poppler || { echo "deps: pdftotext, pdfinfo, pdfsig or pdffonts still missing" >&2; exit 1; }
have_qpdf || { echo "deps: qpdf still missing" >&2; exit 1; }
have_openssl || { echo "deps: openssl still missing" >&2; exit 1; }
have_xmlsec || { echo "deps: xmlsec1 still missing" >&2; exit 1; }
have_softhsm || { echo "deps: softhsm2 (softhsm2-util, libsofthsm2.so) still missing" >&2; exit 1; }
have_pgbackrest || { echo "deps: pgbackrest still missing" >&2; exit 1; }
