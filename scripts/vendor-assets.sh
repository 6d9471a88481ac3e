#!/usr/bin/env bash
# Refresh the vendored front-end assets under src/civicgrid/static/vendor/ from the npm registry.
#
# civicgrid needs no Node to run: the built files are committed. This script is how they got there
# and how they are upgraded: `npm pack` each pinned package into a temporary directory, unpack it,
# copy only the distribution files the templates load plus the package's LICENSE, and write a
# VERSION file so a reviewer can see what is vendored without reading minified code.
#
# ECharts is not here: the KPI board loads a custom build with only its charts (scripts/build-echarts.sh).
#
# Usage: bash scripts/vendor-assets.sh            (all packages)
#        bash scripts/vendor-assets.sh leaflet    (one package, by its vendor folder name)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/src/civicgrid/static/vendor"
command -v npm >/dev/null || { echo "npm is required to refresh vendored assets" >&2; exit 1; }

# folder | npm package@version | files to copy (paths inside the package; dirs copied whole)
PACKAGES=(
  "leaflet|leaflet@1.9.4|dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images"
  "htmx|htmx.org@2.0.11|dist/htmx.min.js"
  "leaflet.markercluster|leaflet.markercluster@1.5.3|dist/leaflet.markercluster.js dist/leaflet.markercluster.js.map dist/MarkerCluster.css dist/MarkerCluster.Default.css"
  "leaflet.heat|leaflet.heat@0.2.0|dist/leaflet-heat.js"
)

only="${1:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r folder spec files <<<"$entry"
  [[ -n "$only" && "$only" != "$folder" ]] && continue
  echo "== $spec -> static/vendor/$folder"
  work="$tmp/$folder"
  mkdir -p "$work"
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n1)"
  tar -xzf "$work/$tarball" -C "$work"
  pkg="$work/package"
  dest="$VENDOR/$folder"
  rm -rf "$dest"
  mkdir -p "$dest"
  for f in $files; do
    if [[ -d "$pkg/$f" ]]; then
      cp -R "$pkg/$f" "$dest/"
    elif [[ -f "$pkg/$f" ]]; then
      cp "$pkg/$f" "$dest/"
    else
      echo "missing $f in $spec" >&2; exit 1
    fi
  done
  # Every package we vendor must carry its licence; refuse to vendor one that does not.
  lic="$(find "$pkg" -maxdepth 1 -type f -iname '*LICEN[CS]E*' | head -n1)"
  if [[ -z "$lic" ]]; then
    echo "no LICENSE file in $spec" >&2; exit 1
  fi
  cp "$lic" "$dest/LICENSE"
  # Apache-2.0 packages (echarts) ship a NOTICE that must travel with them.
  if [[ -f "$pkg/NOTICE" ]]; then cp "$pkg/NOTICE" "$dest/NOTICE"; fi
  license_id="$(node -e "console.log(require('$pkg/package.json').license || 'see LICENSE')")"
  printf '%s\nlicense: %s\nsource: https://www.npmjs.com/package/%s\n' "$spec" "$license_id" "${spec%@*}" > "$dest/VERSION"
done
echo "done."
