#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (custom-format dump) and the uploaded files.
# Usage: DATABASE_URL=postgres://… PORTAL_MEDIA_ROOT=/data/media scripts/backup.sh /backups/2026-11-27
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}"
: "${DATABASE_URL:?DATABASE_URL must point at the portal database}"
media="${PORTAL_MEDIA_ROOT:-var/media}"
mkdir -p "$dest"
pg_dump --format=custom --no-owner --file="$dest/portal.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$dest/media.tar.gz" .
else
  tar -czf "$dest/media.tar.gz" --files-from /dev/null
fi
( cd "$dest" && sha256sum portal.dump media.tar.gz > SHA256SUMS )
echo "backup written to $dest"
