#!/usr/bin/env bash
# The browser tests (HTML report, watch page) drive Debian's chromium through playwright-core (which never downloads a browser).
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: the browser tests need Debian's chromium, which is not installed: installing it with apt-get (a few minutes, once)..." >&2
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null && { echo "ensure-chromium: installed $(command -v chromium)" >&2; exit 0; }
fi
echo "chromium is missing: install Debian's package (sudo apt-get install chromium) and run the tests again" >&2
exit 1
