#!/usr/bin/env bash
# Build the custom ECharts bundle the KPI board loads: only the charts and components it draws.
#
# The full echarts.min.js is 1,034 KB (≈270 KB Brotli); the board needs bar and line charts with a
# grid, tooltips and a legend on the canvas renderer, which is about a third of it. ECharts is
# built for this (its `echarts/core` + `echarts.use([...])` entry points); esbuild bundles and
# minifies. The result is committed under static/vendor/echarts/ with ECharts' LICENSE and NOTICE
# (Apache-2.0), like scripts/vendor-assets.sh does for the other packages: no Node at run time.
#
# A new chart type on the board = add it to ENTRY below and re-run: bash scripts/build-echarts.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/civicgrid/static/vendor/echarts"
ECHARTS="echarts@5.6.0"
ESBUILD="esbuild@0.25.12"
command -v npm >/dev/null || { echo "npm is required to build the ECharts bundle" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "$ECHARTS" "$ESBUILD"

# Keep in step with src/civicgrid/dashboard/static/dashboard/board.js.
cat > entry.js <<'JS'
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
window.echarts = echarts;
JS

npx esbuild entry.js --bundle --minify --format=iife --target=es2017 --legal-comments=none \
  --outfile=echarts.board.min.js --log-level=warning

mkdir -p "$DEST"
rm -f "$DEST/echarts.min.js"
{ echo "/*! Apache ECharts ${ECHARTS#echarts@} (custom build: bar, line, grid, tooltip, legend, canvas) | Apache-2.0 | see LICENSE and NOTICE */"
  cat echarts.board.min.js; } > "$DEST/echarts.board.min.js"
cp node_modules/echarts/LICENSE "$DEST/LICENSE"
cp node_modules/echarts/NOTICE "$DEST/NOTICE"
# zrender (ECharts' renderer, BSD-3-Clause) is inside the bundle: its licence travels with it.
cp node_modules/zrender/LICENSE "$DEST/LICENSE.zrender"
printf '%s (custom build by scripts/build-echarts.sh: BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer; bundled with %s)\nlicense: Apache-2.0 (zrender: BSD-3-Clause)\nsource: https://www.npmjs.com/package/echarts\n' \
  "$ECHARTS" "$ESBUILD" > "$DEST/VERSION"
ls -l "$DEST"
