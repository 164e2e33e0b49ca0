#!/usr/bin/env bash
# The many-hosts test builds network namespaces, veth pairs and a bridge with `ip`, and shapes a link with `tc`.
set -euo pipefail
command -v ip >/dev/null && command -v tc >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends iproute2 >/dev/null
  command -v ip >/dev/null && command -v tc >/dev/null && exit 0
fi
echo "ip/tc are missing: install Debian's iproute2 (sudo apt-get install iproute2), or set SWARMLAB_SKIP_NETNS=1 to skip the network-namespace tests" >&2
exit 1
