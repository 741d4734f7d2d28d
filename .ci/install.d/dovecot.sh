#!/usr/bin/env bash
# Debian's dovecot for the IMAP integration tests (tests/support/dovecot.py starts its own
# unprivileged process with its own config; the system dovecot service is not needed).
# Idempotent; runs as root in CI.
set -euo pipefail
command -v dovecot >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd)
