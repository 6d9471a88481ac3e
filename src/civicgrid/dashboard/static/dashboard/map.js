/* Command-centre map: grids coloured by a figure, open cases clustered, a heat layer of reports,
   drill-down by clicking a child area. Refreshes its data every cfg.refresh_s seconds; the side
   panel refreshes itself through htmx (hx-trigger "every 30s" and "area-changed"). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dash-map-cfg").textContent);
  var el = document.getElementById("dash-map");
  var map = CG.baseMap(el, { preferCanvas: true });
  var esc = CG.esc;
  var state = { area: cfg.area, figure: "open", fitted: null };
  var gridLayer = L.geoJSON(null).addTo(map);
  var childLayer = L.geoJSON(null).addTo(map);
  var markers = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 45 });
  var heat = L.heatLayer([], { radius: 18, blur: 14, maxZoom: 17 });
  var STATE_COLORS = { reported: "#6b7280", filed: "#2563eb", returned: "#9333ea", community_handling: "#0891b2",
    dispatched: "#0d9488", extension_requested: "#ca8a04", handled: "#65a30d", verified: "#16a34a", suspended: "#78716c" };
  var $ = function (id) { return document.getElementById(id); };

  function colour(v, max, isRate) {
    if (v === null || v === undefined) return "#e5e7eb";
    var t = isRate ? v : (max ? v / max : 0);
    if (isRate) t = 1 - t; // low rate = bad = red
    var stops = ["#f0fdf4", "#bbf7d0", "#fde68a", "#fb923c", "#dc2626"];
    return stops[Math.min(stops.length - 1, Math.floor(t * (stops.length - 0.001)))];
  }

  function query() {
    return "area=" + encodeURIComponent(state.area) + "&figure=" + state.figure +
      "&start=" + $("m-start").value + "&end=" + $("m-end").value;
  }

  function load(refit) {
    el.classList.add("loading");
    fetch(cfg.data_url + "?" + query(), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (res) {
        el.classList.remove("loading");
        if (!res.ok) { $("map-status").textContent = res.d.error || "加载失败"; return; }
        draw(res.d, refit);
      })
      .catch(function () { el.classList.remove("loading"); $("map-status").textContent = "网络错误，稍后自动重试"; });
  }

  function draw(d, refit) {
    var vals = d.grids.features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null; });
    var max = vals.length ? Math.max.apply(null, vals) : 0;
    gridLayer.clearLayers();
    gridLayer.addData(d.grids);
    gridLayer.setStyle(function (f) {
      return { color: "#94a3b8", weight: 0.6, fillOpacity: 0.65, fillColor: colour(f.properties.value, max, d.is_rate) };
    });
    gridLayer.eachLayer(function (l) {
      var p = l.feature.properties, v = p.value;
      var shown = v === null || v === undefined ? "无数据" : (d.is_rate ? (v * 100).toFixed(1) + "%" : v);
      // Region names come from imported GeoJSON: escaped, since Leaflet parses tooltip strings as HTML.
      l.bindTooltip(esc(p.name) + "：" + esc(d.figure_label) + " " + esc(shown), { sticky: true });
      if (p.level === "grid" && p.code !== state.area) l.on("click", function () { drill(p.code); });
    });
    childLayer.clearLayers();
    childLayer.addData(d.children);
    childLayer.setStyle({ color: "#1f3a5f", weight: 2.2, fill: true, fillOpacity: 0 });
    childLayer.eachLayer(function (l) {
      var p = l.feature.properties;
      l.bindTooltip(CG.text(p.name), { permanent: true, direction: "center", className: "region-label" });
      l.on("click", function () { drill(p.code); });
    });
    markers.clearLayers();
    d.markers.forEach(function (m) {
      var c = L.circleMarker([m.lat, m.lng], { radius: m.u ? 7 : 5, weight: m.o ? 3 : 1,
        color: m.o ? "#b91c1c" : "#ffffff", fillColor: STATE_COLORS[m.s] || "#334155", fillOpacity: 0.95 });
      c.bindPopup("<b>" + esc(m.n) + "</b><br>" + esc(m.c) + "<br>" + esc(m.sl) + (m.u ? " · 紧急" : "") +
        (m.o ? " · <b class='overdue'>超期</b>" : ""));
      markers.addLayer(c);
    });
    heat.setLatLngs(d.heat.map(function (h) { return [h[1], h[0], h[2]]; }));
    if (refit || state.fitted !== state.area) {
      var b = L.geoJSON(d.area).getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
      state.fitted = state.area;
    }
    $("map-legend").textContent = "着色：" + d.figure_label + (d.is_rate ? "（红色=偏低）" : "（红色=偏多，最大 " + max + "）") +
      " · 在办案件 " + d.open_now + (d.markers_capped ? "（图上仅标出最新 3000 件）" :
        (d.unplaced ? "（其中 " + d.unplaced + " 件无坐标，未在图上标出）" : "")) +
      " · 热力点 " + d.heat.length + (d.figure === "satisfaction" ? " · 满意率暂无网格级回访数据" : "");
    el.dataset.grids = d.grids.features.length;
    el.dataset.markers = d.markers.length;
    el.dataset.area = state.area;
    $("map-status").textContent = "数据更新于 " + d.generated_at + "，每 " + cfg.refresh_s + " 秒自动刷新";
    var crumbs = document.querySelector(".crumbs");
    if (crumbs && d.crumbs) {
      crumbs.replaceChildren();
      d.crumbs.forEach(function (c, i) {
        if (i === d.crumbs.length - 1) { var b = document.createElement("strong"); b.textContent = c.name; crumbs.appendChild(b); return; }
        var a = document.createElement("a");
        a.href = "#"; a.className = "drill"; a.dataset.code = c.code; a.textContent = c.name;
        crumbs.appendChild(a);
        crumbs.appendChild(document.createTextNode(" › "));
      });
    }
  }

  function drill(code) {
    state.area = code;
    var url = new URL(window.location.href);
    url.searchParams.set("area", code);
    history.replaceState(null, "", url);
    var panel = $("dash-panel");
    panel.setAttribute("hx-get", cfg.panel_url + "?area=" + encodeURIComponent(code) + "&start=" + $("m-start").value + "&end=" + $("m-end").value);
    htmx.process(panel);
    htmx.trigger(document.body, "area-changed");
    document.querySelectorAll(".dash-tabs a").forEach(function (a) {
      var u = new URL(a.href); u.searchParams.set("area", code); a.href = u.toString();
    });
    load(true);
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest("a.drill");
    if (a) { e.preventDefault(); drill(a.dataset.code); }
  });
  $("m-figure").addEventListener("change", function () { state.figure = this.value; load(false); });
  $("m-start").addEventListener("change", function () { load(false); });
  $("m-end").addEventListener("change", function () { load(false); });
  $("m-markers").addEventListener("change", function () { this.checked ? map.addLayer(markers) : map.removeLayer(markers); });
  $("m-heat").addEventListener("change", function () { this.checked ? map.addLayer(heat) : map.removeLayer(heat); });
  map.addLayer(markers);
  map.setView([39.9, 116.4], 11);
  load(true);
  setInterval(function () { if (!document.hidden) load(false); }, cfg.refresh_s * 1000);
})();
