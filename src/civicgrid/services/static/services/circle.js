/* The 10-/15-minute service circle on the public community page: the community's outline, its service
   points (from the list's data attributes) and the walking circles — around the resident's position
   when the page was opened with one, else a 15-minute circle around each point. Drawn from shapes alone
   (CG.baseMap adds base tiles only when the installation configures them); no inline script (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("sv-map");
  if (!el || !window.L || !window.CG) return;
  // Mirrors services/selectors.py: 70 m a minute (an older resident's pace), streets ~1.3× the straight line.
  var WALK_M_PER_MIN = 70, DETOUR = 1.3;
  function radius(minutes) { return minutes * WALK_M_PER_MIN / DETOUR; }

  var map = CG.baseMap(el, {});
  map.setView([39.9, 116.4], 15);  // a view first: a circle needs one to measure its bounds
  var bounds = L.latLngBounds([]);
  var shapeEl = document.getElementById("sv-community-shape");
  var shape = shapeEl ? JSON.parse(shapeEl.textContent) : null;
  if (shape && shape.type) {
    var outline = L.geoJSON(shape, { style: { color: "#1f5f99", weight: 2, fillColor: "#1f5f99", fillOpacity: 0.06 },
                                     interactive: false }).addTo(map);
    bounds.extend(outline.getBounds());
  }
  var points = [];
  Array.prototype.forEach.call(document.querySelectorAll("#sv-points li[data-lng]"), function (li) {
    var lng = parseFloat(li.getAttribute("data-lng")), lat = parseFloat(li.getAttribute("data-lat"));
    if (isNaN(lng) || isNaN(lat)) return;
    points.push({ ll: [lat, lng], name: li.getAttribute("data-name"), minutes: li.getAttribute("data-minutes") });
  });
  var me = null;
  var mLng = parseFloat(el.getAttribute("data-lng")), mLat = parseFloat(el.getAttribute("data-lat"));
  if (!isNaN(mLng) && !isNaN(mLat)) me = [mLat, mLng];

  function ring(center, minutes, color, cls) {
    var c = L.circle(center, { radius: radius(minutes), color: color, weight: 2, fillColor: color, fillOpacity: 0.08,
                               dashArray: minutes > 10 ? "6 4" : null, className: cls, interactive: false }).addTo(map);
    bounds.extend(c.getBounds());
    return c;
  }
  if (me) {
    ring(me, 15, "#ef6c00", "sv-ring sv-ring-15");
    ring(me, 10, "#2e7d32", "sv-ring sv-ring-10");
    L.circleMarker(me, { radius: 7, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1, className: "sv-me" })
      .addTo(map).bindTooltip("我的位置", { permanent: true, direction: "top", className: "sv-label" });
  } else {
    points.forEach(function (p) { ring(p.ll, 15, "#ef6c00", "sv-ring sv-ring-15"); });
  }
  points.forEach(function (p) {
    var text = p.name + (p.minutes ? "（步行约" + p.minutes + "分钟）" : "");
    L.circleMarker(p.ll, { radius: 6, color: "#fff", weight: 2, fillColor: "#1f5f99", fillOpacity: 1,
                           className: "sv-point" })
      .addTo(map).bindTooltip(text, { permanent: true, direction: "right", className: "sv-label" });
    bounds.extend(p.ll);
  });
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
})();
