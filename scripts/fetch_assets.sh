#!/usr/bin/env bash
# Fill the offline asset folder that `corridors map --self-contained` inlines, from the npm registry.
#
#   scripts/fetch_assets.sh                  # into ./assets (or $CORRIDORS_ASSETS)
#   scripts/fetch_assets.sh --with-chromium  # also apt-get install chromium (for the browser tests)
#
# Each package is fetched with `npm pack` (which checks the registry's integrity hash), checked
# against the sha512 pinned in src/corridors/render/_assets.py, and unpacked to assets/<name>@<version>/.
# Needs npm (Debian: apt-get install -y npm). The folder is never committed (/assets/ is in .gitignore).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${CORRIDORS_ASSETS:-$root/assets}"

# Keep in step with corridors.render._assets.PACKAGES (tests/test_webmap.py checks it).
packages=(
  "leaflet@1.9.3 sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ=="
  "leaflet-measure@2.1.7 sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug=="
  "leaflet.control.layers.tree@1.1.0 sha512-B4/dfplsWL2ozra6UcHOfsA20ncmtBwu2HRNdrUSB5Xcd+kK5Tuxb9I+YyjE30cy2oRA3jHoM9sU11aFXAEaBA=="
)

if [[ "${1:-}" == "--with-chromium" ]] && ! command -v chromium >/dev/null; then
  apt-get update && apt-get install -y --no-install-recommends chromium
fi

command -v npm >/dev/null || { echo "fetch_assets: npm not found (Debian: apt-get install -y npm)" >&2; exit 2; }
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${packages[@]}"; do
  spec="${entry%% *}"
  integrity="${entry##* }"
  if [[ -f "$dest/$spec/package.json" ]]; then
    echo "fetch_assets: $spec already in $dest"
    continue
  fi
  tarball="$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w 0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "fetch_assets: $spec: tarball integrity $actual does not match the pinned $integrity" >&2
    exit 2
  fi
  rm -rf "$dest/$spec.part"
  mkdir -p "$dest/$spec.part"
  tar -xzf "$tmp/$tarball" -C "$dest/$spec.part" --strip-components=1 --no-same-owner \
    --warning=no-unknown-keyword
  rm -rf "$dest/$spec"
  mv "$dest/$spec.part" "$dest/$spec"
  echo "fetch_assets: $spec -> $dest/$spec"
done
