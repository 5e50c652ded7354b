#!/usr/bin/env bash
# Restore a backup into a FRESH database and media folder, then verify the ledger chain there.
# Usage: RESTORE_DATABASE_URL=postgres://…/portal_restore RESTORE_MEDIA_ROOT=/tmp/media \
#        scripts/restore_check.sh /backups/2026-11-27
# Exits non-zero if the checksums, the restore or verify_ledger fail.
set -euo pipefail
src="${1:?usage: restore_check.sh BACKUP_DIR}"
: "${RESTORE_DATABASE_URL:?RESTORE_DATABASE_URL must name an empty or new database}"
media="${RESTORE_MEDIA_ROOT:?RESTORE_MEDIA_ROOT must name an empty folder}"
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"

( cd "$src" && sha256sum --check --quiet SHA256SUMS )
admin_url="${RESTORE_DATABASE_URL%/*}/postgres"
dbname="${RESTORE_DATABASE_URL##*/}"
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$dbname\"" -c "CREATE DATABASE \"$dbname\""
pg_restore --no-owner --exit-on-error --dbname="$RESTORE_DATABASE_URL" "$src/portal.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$src/media.tar.gz"
cd "$here"
DATABASE_URL="$RESTORE_DATABASE_URL" PORTAL_MEDIA_ROOT="$media" "$python" manage.py migrate --check
# The chain and digests are checked with the key (LEDGER_HMAC_KEY from the environment); not
# against the live head log, which runs ahead of any backup (a restored copy ends earlier).
DATABASE_URL="$RESTORE_DATABASE_URL" PORTAL_MEDIA_ROOT="$media" LEDGER_HEAD_LOG="" \
  "$python" manage.py verify_ledger
echo "restore verified: database $dbname, media in $media"
