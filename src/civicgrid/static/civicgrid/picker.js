/* The location of a report: GPS as a start, then a map to place or correct the point (GPS indoors
   is off by hundreds of metres), and the grid the point falls in, named before the form is sent.

   Markup (cases/report.html, hotline/resident_report.html):
     #picker[data-grids-url][data-grid-at-url][data-search-url][data-autolocate]  with hidden
     #id_lng/#id_lat, #locate-status, #locate-btn, #place-q/#place-go/#place-results (search),
     #pick-open (opens #pick-map), #grid-confirm, optional <select #id_grid>.
   The form never depends on this script: without it the reporter chooses a grid or types an address.
   Leaflet loads only when the map is opened (see civicgrid/cg.js), the point is stored as
   lng/lat (the project's order) and shown as "经度 …，纬度 …". */
(function () {
  "use strict";
  var box = document.getElementById("picker");
  if (!box) return;
  var lng = document.getElementById("id_lng"), lat = document.getElementById("id_lat");
  var status = document.getElementById("locate-status"), btn = document.getElementById("locate-btn");
  var mapEl = document.getElementById("pick-map"), confirmEl = document.getElementById("grid-confirm");
  var gridSelect = document.getElementById("id_grid");
  var map = null, marker = null, gridLayer = null, syncLabels = null, areas = null, asked = 0;
  var START = [116.4, 39.9];

  function say(el, msg, cls) { if (!el) return; el.textContent = msg; el.className = el.className.replace(/\s*\berror\b/g, "") + (cls ? " " + cls : ""); }

  function hasPoint() { return lng.value !== "" && lat.value !== ""; }

  // Which grid the point lies in, said in words before the form is sent.
  function confirmGrid() {
    if (!confirmEl) return;
    if (!hasPoint()) {
      if (gridSelect && gridSelect.value) say(confirmEl, "您选择的网格：" + gridSelect.options[gridSelect.selectedIndex].text);
      else say(confirmEl, "");
      return;
    }
    var ticket = ++asked;
    say(confirmEl, "正在确认所属网格…");
    fetch(box.dataset.gridAtUrl + "?lng=" + encodeURIComponent(lng.value) + "&lat=" + encodeURIComponent(lat.value),
          { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (res) {
        if (ticket !== asked) return;
        if (!res.ok) { say(confirmEl, (res.d && res.d.error ? res.d.error : "无法确认所属网格") + "，请在地图上调整位置或选择网格。", "error"); return; }
        // "柚塘居社区第1网格", not "柚塘居社区柚塘居第1网格" when the grid already names its community.
        var c = res.d, comm = c.community ? c.community.name : "";
        var short = comm.replace(/(社区|村委会|村)$/, "");
        var where = short && c.grid.name.indexOf(short) === 0 ? c.grid.name : comm + c.grid.name;
        say(confirmEl, "您选择的位置属于 " + where + (c.street ? "（" + c.street.name + "）" : ""));
        confirmEl.dataset.gridCode = c.grid.code;
      })
      .catch(function () { if (ticket === asked) say(confirmEl, "网络不畅，暂时无法确认所属网格；提交后由系统按位置确定。"); });
  }

  function setPoint(lo, la, why) {
    lng.value = Number(lo).toFixed(6);
    lat.value = Number(la).toFixed(6);
    say(status, (why || "已选位置") + "：" + CG.coordText(lng.value, lat.value));
    if (map) placeMarker(true);
    confirmGrid();
  }

  function placeMarker(pan) {
    var ll = CG.ll([parseFloat(lng.value), parseFloat(lat.value)]);
    if (marker) marker.setLatLng(ll);
    else {
      marker = window.L.marker(ll, { draggable: true, autoPan: true, title: "拖动以修正位置" }).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); setPoint(p.lng, p.lat, "已修正位置"); });
    }
    if (pan) map.setView(ll, Math.max(map.getZoom(), 16));
  }

  function loadGrids() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
    fetch(box.dataset.gridsUrl + "?bbox=" + bbox, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc) return;
        gridLayer.clearLayers();
        gridLayer.addData(fc);
        if (syncLabels) syncLabels.remove();
        syncLabels = CG.labels(map, gridLayer, function (f) { return f.properties.name; }, 15);
        if (areas) areas.remove();
        areas = CG.areaLabels(map, gridLayer, [["street", 0, 13], ["community", 13, 15]]);
      }).catch(function () {});
  }

  function openMap() {
    CG.leaflet().then(function (L) {
      mapEl.classList.remove("map-lazy");
      mapEl.textContent = "";
      map = CG.baseMap(mapEl);
      gridLayer = L.geoJSON(null, { style: { color: "#3b6ea5", weight: 1, fillColor: "#dfe8f2", fillOpacity: 0.3 } }).addTo(map);
      map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, "已选位置"); });
      map.on("moveend", loadGrids);
      if (hasPoint()) { map.setView(CG.ll([parseFloat(lng.value), parseFloat(lat.value)]), 16); placeMarker(false); }
      else {
        var ext = mapEl.dataset.extent ? JSON.parse(mapEl.dataset.extent) : null;
        if (ext) map.fitBounds([CG.ll([ext[0], ext[1]]), CG.ll([ext[2], ext[3]])]);
        else map.setView(CG.ll(START), 12);
      }
    }).catch(function (e) { mapEl.textContent = e.message; });
  }

  function locate() {
    if (!navigator.geolocation) { say(status, "此设备不支持定位，请在地图上点选位置或选择网格。"); return; }
    say(status, "正在获取手机定位…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude, "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米，可在地图上拖动修正）");
    }, function (err) {
      var why = { 1: "未授权定位", 2: "无法获取位置", 3: "定位超时" }[err.code] || "定位失败";
      say(status, "未能定位（" + why + "），请在地图上点选位置或选择网格。");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // Search by 小区/building/place/community name: the match's point becomes the report's point.
  var q = document.getElementById("place-q"), list = document.getElementById("place-results");
  function search() {
    var text = q.value.trim();
    list.replaceChildren();
    if (text.length < 2) return;
    fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (res) {
        list.replaceChildren();
        if (!res.ok) { list.appendChild(CG.text(res.d.error || "查询失败", "error")); return; }
        if (!res.d.matches.length) { list.appendChild(CG.text("没有找到，请换个说法，或在地图上点选。", "muted")); return; }
        res.d.matches.forEach(function (m) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "linkish place-hit";
          b.appendChild(CG.text(m.label));
          b.appendChild(CG.text(" · " + (m.community || "") + m.grid_name, "muted"));
          b.addEventListener("click", function () {
            list.replaceChildren();
            if (m.point) setPoint(m.point[0], m.point[1], "已选“" + m.label + "”");
            else if (gridSelect) { say(status, "已选网格：" + m.grid_name); }
          });
          var li = document.createElement("li");
          li.appendChild(b);
          list.appendChild(li);
        });
      }).catch(function () { list.replaceChildren(CG.text("网络不畅，请稍后再试。", "error")); });
  }
  if (q && list && box.dataset.searchUrl) {
    document.getElementById("place-go").addEventListener("click", search);
    q.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
  }

  if (btn) btn.addEventListener("click", locate);
  if (gridSelect) gridSelect.addEventListener("change", function () { if (!hasPoint()) confirmGrid(); });
  // The map opens when asked for (it costs ~40 KB of Leaflet plus the grid outlines, which a phone
  // on 3G should not fetch just to show the form; GPS or the search usually place the point).
  var opener = document.getElementById("pick-open");
  if (mapEl && opener) {
    opener.addEventListener("click", function () {
      opener.hidden = true;
      mapEl.hidden = false;
      if (!map) openMap();
    });
  } else if (mapEl) CG.whenVisible(mapEl, openMap);
  if (hasPoint()) { say(status, "已选位置：" + CG.coordText(lng.value, lat.value)); confirmGrid(); }
  else if (box.dataset.autolocate) locate();
})();
