#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it through executable_path; no
# browser is ever downloaded by `playwright install`). Idempotent; runs as root in CI.
set -euo pipefail
[ -x /usr/bin/chromium ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
