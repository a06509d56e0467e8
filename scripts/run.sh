#!/usr/bin/env bash
# Installs what is missing, builds the server (Release) and starts it. With no
# PM_REDIS_URI it runs its own redis-server in ./data (or --data-dir).
# Extra arguments go to incident-api (see: scripts/run.sh --help).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build/release"

"$ROOT/scripts/install-deps.sh"
# The docs page's Swagger UI; without the npm registry the server is built without it.
"$ROOT/scripts/install-npm.sh" || echo "swagger-ui-dist not installed: /api/docs will answer 404" >&2
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target incident-api

# No secret configured: use (or make once) a random one kept beside the data.
if [ -z "${PM_SECRET_KEY:-}" ]; then
  DATA_DIR="${PM_DATA_DIR:-$ROOT/data}"
  mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR"
  SECRET_FILE="$DATA_DIR/secret-key"
  [ -s "$SECRET_FILE" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET_FILE")
  export PM_SECRET_KEY="$(cat "$SECRET_FILE")"
  echo "PM_SECRET_KEY not set: using the secret in $SECRET_FILE" >&2
fi
cd "$ROOT"
exec "$BUILD/incident-api" "$@"
