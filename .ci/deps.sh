#!/usr/bin/env bash
# Installs what Hromada needs from Debian's packages, once: the PostgreSQL
# server binaries (for the embedded cluster and the test harness). Safe to
# run again: it installs nothing that is there.
set -euo pipefail

have_pg() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }

if [ -n "${HROMADA_PG_BIN:-}" ] || have_pg; then
  exit 0
fi
echo "deps: installing the PostgreSQL server (postgresql-15)…" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 postgresql-contrib >&2 \
  || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-contrib >&2
# Debian starts a system cluster on install; Hromada runs its own.
$SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
have_pg || { echo "deps: PostgreSQL server binaries still missing" >&2; exit 1; }
