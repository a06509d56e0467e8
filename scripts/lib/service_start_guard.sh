# Sourced by install-deps.sh (and its test): while Debian packages install,
# a policy-rc.d refuses to start their services (redis-server would start a
# system-wide server; we start our own). A policy-rc.d that was already there
# (container images ship one) is set aside and put back as it was, the very
# same file. Both functions take the policy file's path; $SUDO may be set.

# Puts our refusing policy in place; the original, if any, is kept beside it.
hold_service_starts() {
  local policy="$1"
  if [ -e "$policy" ] || [ -L "$policy" ]; then
    GUARD_SAVED="$(${SUDO:-} mktemp -d "$(dirname "$policy")/.policy-rc.d.XXXXXX")/policy-rc.d"
    ${SUDO:-} mv "$policy" "$GUARD_SAVED"
  else
    GUARD_SAVED=""
  fi
  ${SUDO:-} sh -c "printf '#!/bin/sh\\nexit 101\\n' > '$policy' && chmod +x '$policy'"
}

# Removes our policy and puts the original back, if there was one.
release_service_starts() {
  local policy="$1"
  ${SUDO:-} rm -f "$policy"
  if [ -n "${GUARD_SAVED:-}" ]; then
    ${SUDO:-} mv "$GUARD_SAVED" "$policy"
    ${SUDO:-} rmdir "$(dirname "$GUARD_SAVED")"
    GUARD_SAVED=""
  fi
}
