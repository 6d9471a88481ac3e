/* Public roster map: grids drawn lightly; a click (or the phone's location) asks the server which
   grid covers the point and swaps in the roster fragment through htmx. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("roster-settings").textContent);
  var map = CG.baseMap("roster-map");
  var syncLabels = null, areas = null;
  // extent is [west, south, east, north] (lng first, like all map data): CG.ll swaps for Leaflet.
  if (cfg.extent) map.fitBounds([CG.ll([cfg.extent[0], cfg.extent[1]]), CG.ll([cfg.extent[2], cfg.extent[3]])]);
  else map.setView([39.9, 116.4], 11);

  var grids = L.geoJSON(null, {
    style: function (f) {
      return { color: "#4e79a7", weight: 1, fillColor: "#4e79a7", fillOpacity: 0.06, className: "grid grid-" + f.properties.code };
    },
    // Grid names are imported data: text nodes, never HTML. Shown on the map from zoom 15 on.
    onEachFeature: function () {}
  }).addTo(map);
  var byCode = {};
  var marker = null;
  var chosen = null;

  function loadGrids() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); });
    fetch(cfg.gridsUrl + "?bbox=" + bbox.join(","), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        grids.clearLayers();
        byCode = {};
        grids.addData(data);
        grids.eachLayer(function (l) { byCode[l.feature.properties.code] = l; });
        if (syncLabels) syncLabels.remove();
        syncLabels = CG.labels(map, grids, function (f) { return f.properties.name; }, 15);
        if (areas) areas.remove();
        areas = CG.areaLabels(map, grids, [["street", 0, 13], ["community", 13, 15]]);
        highlightFromResult(false);
      });
  }

  function highlightFromResult(fit) {
    var card = document.querySelector("#roster-result [data-grid-code]");
    if (chosen) { grids.resetStyle(chosen); chosen = null; }
    if (!card) return;
    var l = byCode[card.getAttribute("data-grid-code")];
    if (!l) return;
    chosen = l;
    l.setStyle({ color: "#c0392b", weight: 3, fillColor: "#c0392b", fillOpacity: 0.25 });
    l.bringToFront();
    // Zoom to the grid with its neighbours around it, so the resident sees where it lies.
    if (fit) map.fitBounds(l.getBounds().pad(1.5), { maxZoom: 16 });
  }

  function lookup(latlng) {
    if (marker) marker.setLatLng(latlng); else marker = L.circleMarker(latlng, { radius: 7, color: "#c0392b", weight: 3 }).addTo(map);
    var qs = "?lng=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
    htmx.ajax("GET", cfg.pageUrl + qs, { target: "#roster-result", swap: "innerHTML" });
  }

  map.on("click", function (e) { lookup(e.latlng); });
  map.on("moveend", loadGrids);
  loadGrids();
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "roster-result") highlightFromResult(true);
  });

  var btn = document.getElementById("locate-me");
  if (!("geolocation" in navigator)) { btn.hidden = true; return; }
  btn.addEventListener("click", function () {
    btn.disabled = true;
    btn.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      btn.disabled = false; btn.textContent = "使用我的位置";
      var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
      map.setView(ll, Math.max(map.getZoom(), 15));
      lookup(ll);
    }, function () {
      btn.disabled = false; btn.textContent = "使用我的位置";
      var card = document.createElement("div"), p = document.createElement("p");
      card.className = "card"; p.className = "error"; p.setAttribute("role", "alert");
      p.textContent = "无法获取您的位置（可能未授权定位）。请输入地址，或在地图上点选。";
      card.appendChild(p);
      document.getElementById("roster-result").replaceChildren(card);
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
