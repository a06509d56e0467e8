#!/usr/bin/env bash
# Installs the project's pinned npm packages (exact versions and hashes from
# each package-lock.json, with npm ci): tools/docs-ui (Swagger UI, built into
# the server for /api/docs) and, with --contract, tools/contract (the OpenAPI
# linter and the validating proxy the tests use). Skips what is installed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
dirs=("$ROOT/tools/docs-ui")
[ "${1:-}" = "--contract" ] && dirs+=("$ROOT/tools/contract")

if ! command -v npm >/dev/null; then
  "$ROOT/scripts/install-deps.sh" nodejs npm
fi

for dir in "${dirs[@]}"; do
  stamp="$dir/node_modules/.installed-from"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then continue; fi
  echo "installing npm packages of ${dir#"$ROOT"/}" >&2
  # No install scripts: the packages need none, and one of swagger-ui-dist's
  # dependencies would phone home from its postinstall.
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
done
