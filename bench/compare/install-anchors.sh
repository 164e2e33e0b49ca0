#!/usr/bin/env bash
# Installs the two reference implementations `npm run bench:compare` runs next to swarmlab:
#  - libtorrent: Debian's python3-libtorrent, run with /usr/bin/python3;
#  - WebTorrent: the npm package, into a scratch folder outside the project (--ignore-scripts: its
#    native WebRTC module is not needed for TCP, and a stub stands in for it so the package loads).
# Prints the scratch folder on its last line. ANCHORS_DIR overrides where WebTorrent goes.
set -euo pipefail
anchors="${ANCHORS_DIR:-${TMPDIR:-/tmp}/swarmlab-bench-anchors}"
webtorrent_version="${WEBTORRENT_VERSION:-3}"

if ! /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends python3-libtorrent >&2
  else
    echo "python3-libtorrent is missing: sudo apt-get install python3-libtorrent" >&2
    exit 1
  fi
fi

if [ ! -f "$anchors/node_modules/webtorrent/package.json" ]; then
  mkdir -p "$anchors"
  [ -f "$anchors/package.json" ] || echo '{"name":"swarmlab-bench-anchors","private":true}' > "$anchors/package.json"
  (cd "$anchors" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "webtorrent@$webtorrent_version" >&2)
fi

# node-datachannel (WebRTC) ships a native addon that --ignore-scripts leaves unbuilt; WebTorrent
# imports it at load time even when only TCP is used. Replace it with a module that exports nothing
# usable: any WebRTC attempt would fail loudly, and the benchmark never makes one.
for ndc in $(find "$anchors/node_modules" -type d -name node-datachannel -path '*node_modules/node-datachannel' 2>/dev/null); do
  if ! (cd "$anchors" && node -e "require('$ndc')" 2>/dev/null); then
    echo "stubbing $ndc (native WebRTC module not built)" >&2
    cat > "$ndc/package.json" <<'JSON'
{"name":"node-datachannel","version":"0.0.0-stub","main":"stub.cjs","exports":{".":{"import":"./stub.mjs","require":"./stub.cjs"},"./polyfill":{"import":"./stub.mjs","require":"./stub.cjs"}}}
JSON
        names="PeerConnection RtcpReceivingSession Video Audio DataChannel cleanup initLogger preload"
    {
      echo "function unavailable() { throw new Error('node-datachannel stub: WebRTC is not available in this benchmark'); }"
      for n in $names; do echo "export const $n = unavailable;"; done
      echo "export default {};"
    } > "$ndc/stub.mjs"
    {
      echo "function unavailable() { throw new Error('node-datachannel stub: WebRTC is not available in this benchmark'); }"
      echo "module.exports = {};"
      for n in $names; do echo "module.exports.$n = unavailable;"; done
    } > "$ndc/stub.cjs"
  fi
done
echo "$anchors"
