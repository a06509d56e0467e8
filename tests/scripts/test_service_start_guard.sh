#!/usr/bin/env bash
# The install step's guard against Debian starting services: while it holds,
# policy-rc.d refuses (exit 101); released, a policy-rc.d that was there before
# is back as it was (same file, content and mode), and one that was not is gone.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/service_start_guard.sh"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
policy="$dir/policy-rc.d"
fail() { echo "FAIL: $*" >&2; exit 1; }

# A policy the image shipped.
printf '#!/bin/sh\n# shipped by the image\nexit 0\n' > "$policy"
chmod 750 "$policy"
before="$(stat -c '%i %a %s' "$policy") $(sha256sum < "$policy")"
hold_service_starts "$policy"
set +e; "$policy"; status=$?; set -e
[ "$status" -eq 101 ] || fail "held: policy-rc.d exits $status, not 101"
release_service_starts "$policy"
after="$(stat -c '%i %a %s' "$policy") $(sha256sum < "$policy")"
[ "$before" = "$after" ] || fail "the shipped policy-rc.d changed: '$before' -> '$after'"
[ "$(ls -A "$dir")" = "policy-rc.d" ] || fail "left behind: $(ls -A "$dir")"

# No policy before: none after.
rm -f "$policy"
hold_service_starts "$policy"
[ -x "$policy" ] || fail "held: no policy-rc.d"
release_service_starts "$policy"
[ ! -e "$policy" ] || fail "a policy-rc.d was left where there was none"
echo "PASS"
