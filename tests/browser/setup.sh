#!/usr/bin/env bash
# Installs Debian's chromium for the report's headless-browser test. Idempotent: an installed browser is left
# alone. Needs root on Debian 12; reaches only the package registries. Exits non-zero with a one-line reason
# when it cannot install one.
set -euo pipefail

log() { echo "browser setup: $*" >&2; }

for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then log "already installed: $(command -v "$b")"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then log "must run as root to install chromium"; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then log "no apt-get: install chromium by hand"; exit 1; fi
log "installing chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null 2>&1 || { log "chromium did not install"; exit 1; }
log "installed $(chromium --version 2>/dev/null || echo chromium)"
