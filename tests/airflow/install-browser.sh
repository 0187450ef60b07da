#!/bin/sh
# Installs what the browser test needs and pip cannot: Debian's Chromium. Playwright (from
# requirements-dev.txt) drives this executable; its own browser download is never used.
# Run as root on Debian (CI, a fresh machine); elsewhere it says what to do and goes on.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Two suites on one machine (`make test` in two clones): one installs, the other waits
    # for it (apt's own lock would fail it at once), then finds chromium there.
    if command -v flock >/dev/null 2>&1; then
        exec 9>/var/lock/pimflow-install-browser.lock
        flock 9
        if [ -x /usr/bin/chromium ]; then
            exit 0
        fi
    fi
    echo "installing Debian's chromium for the browser test"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
else
    echo "note: /usr/bin/chromium is missing; the browser test needs it" \
         "(as root: apt-get install chromium)" >&2
fi
