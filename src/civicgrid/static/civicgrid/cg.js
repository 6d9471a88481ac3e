/* Shared front-end helpers for every page with a map (staff and resident alike).

   COORDINATE ORDER, the one convention of the project: data travels as [lng, lat] (GeoJSON order,
   as in the server's lng/lat fields, the API and every JSON endpoint); only Leaflet wants
   [lat, lng], so the swap happens at the Leaflet call through CG.ll(). People read a point as
   "经度 116.400000，纬度 39.900000" (CG.coordText), never as a bare pair.

   SAFETY: Leaflet's bindTooltip/bindPopup and innerHTML parse their string as HTML. Every name that
   comes from data (region names, categories, people) goes through CG.esc() or CG.text() first.

   CONFIG: base.html writes {"leaflet_js", "leaflet_css", "tiles", "tile_attribution",
   "attribution"} as JSON into #cg-config (json_script: data, never executed). */
(function () {
  "use strict";
  var cfgEl = document.getElementById("cg-config");
  var cfg = cfgEl ? JSON.parse(cfgEl.textContent) : {};
  var loaded = {};

  function esc(s) {
    return String(s === null || s === undefined ? "" : s)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // A text node wrapped in a span: for Leaflet content where escaping by hand would be easy to forget.
  function text(s, cls) {
    var span = document.createElement("span");
    if (cls) span.className = cls;
    span.textContent = s === null || s === undefined ? "" : String(s);
    return span;
  }

  function loadOnce(key, make) {
    if (!loaded[key]) loaded[key] = new Promise(make);
    return loaded[key];
  }

  function script(src) {
    return loadOnce(src, function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("地图组件加载失败，请检查网络后刷新。")); };
      document.head.appendChild(s);
    });
  }

  function css(href) {
    return loadOnce(href, function (resolve) {
      var l = document.createElement("link");
      l.rel = "stylesheet";
      l.href = href;
      l.onload = resolve;
      l.onerror = resolve;  // unstyled map controls are still usable
      document.head.appendChild(l);
    });
  }

  // Leaflet only when a map is actually shown: 40 KB compressed that a phone on 3G need not wait for.
  function leaflet() {
    if (window.L) return Promise.resolve(window.L);
    return Promise.all([css(cfg.leaflet_css), script(cfg.leaflet_js)]).then(function () { return window.L; });
  }

  // Run fn once el is (nearly) on screen; at once where IntersectionObserver is missing.
  function whenVisible(el, fn) {
    if (!("IntersectionObserver" in window)) { fn(); return; }
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); fn(); }
    }, { rootMargin: "120px" });
    io.observe(el);
  }

  /* A Leaflet map with the installation's attribution: no Leaflet flag and no external link by
     default; the configured text (CIVICGRID_MAP_ATTRIBUTION) and, when a tile server is
     configured, its provider's credit (CIVICGRID_MAP_TILE_ATTRIBUTION). Both are plain text. */
  function baseMap(el, options) {
    var L = window.L;
    var opts = Object.assign({ zoomSnap: 0.25, maxZoom: 19 }, options || {}, { attributionControl: false });
    var map = L.map(el, opts);
    var credits = [];
    if (cfg.attribution) credits.push(esc(cfg.attribution));
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map);
      if (cfg.tile_attribution) credits.push(esc(cfg.tile_attribution));
    }
    if (credits.length) {
      var ctl = L.control.attribution({ prefix: false });
      credits.forEach(function (c) { ctl.addAttribution(c); });
      ctl.addTo(map);
    }
    return map;
  }

  function ll(lngLat) { return [lngLat[1], lngLat[0]]; }

  function coordText(lng, lat) {
    return "经度 " + Number(lng).toFixed(6) + "，纬度 " + Number(lat).toFixed(6);
  }

  /* Names on the map without a tile server: a label per feature at the middle of its outline,
     shown only from minZoom on so that a whole district is not a wall of text. Labels are markers
     (not tooltips) so they can be taken off the map below minZoom; the name is escaped. */
  function labels(map, layer, nameOf, minZoom, className) {
    var L = window.L, group = L.layerGroup(), made = false;
    layer.eachLayer(function (l) {
      var name = nameOf(l.feature);
      if (!name || !l.getBounds) return;
      var icon = L.divIcon({ className: "map-label", iconSize: null,
                             html: '<span class="' + (className || "region-label") + '">' + esc(name) + "</span>" });
      group.addLayer(L.marker(l.getBounds().getCenter(), { icon: icon, interactive: false, keyboard: false }));
      made = true;
    });
    function sync() {
      var show = made && map.getZoom() >= minZoom;
      if (show && !map.hasLayer(group)) map.addLayer(group);
      if (!show && map.hasLayer(group)) map.removeLayer(group);
    }
    map.on("zoomend", sync);
    sync();
    sync.remove = function () { map.off("zoomend", sync); map.removeLayer(group); };
    return sync;
  }

  /* Names of the areas the grids belong to (community, street), one label per area at the middle
     of its grids, each shown only in its zoom band: streets when zoomed out, communities in
     between, grid names (CG.labels) from 15 on. bands: [[property, minZoom, maxZoom], ...]. */
  function areaLabels(map, layer, bands) {
    var L = window.L, group = L.layerGroup().addTo(map), made = [];
    bands.forEach(function (band) {
      var boxes = {};
      layer.eachLayer(function (l) {
        var name = l.feature && l.feature.properties[band[0]];
        if (!name) return;
        boxes[name] = boxes[name] ? boxes[name].extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
      });
      Object.keys(boxes).forEach(function (name) {
        var icon = L.divIcon({ className: "area-label area-" + band[0], html: "<span>" + esc(name) + "</span>", iconSize: null });
        made.push({ marker: L.marker(boxes[name].getCenter(), { icon: icon, interactive: false, keyboard: false }), min: band[1], max: band[2] });
      });
    });
    function sync() {
      var z = map.getZoom();
      made.forEach(function (m) {
        var show = z >= m.min && z < m.max;
        if (show && !group.hasLayer(m.marker)) group.addLayer(m.marker);
        if (!show && group.hasLayer(m.marker)) group.removeLayer(m.marker);
      });
    }
    map.on("zoomend", sync);
    sync();
    return { group: group, sync: sync, remove: function () { map.off("zoomend", sync); map.removeLayer(group); } };
  }

  window.CG = { areaLabels: areaLabels, config: cfg, esc: esc, text: text, leaflet: leaflet, script: script, css: css,
                whenVisible: whenVisible, baseMap: baseMap, ll: ll, coordText: coordText, labels: labels };
})();
