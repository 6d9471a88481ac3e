/* 每月一题: the cluster points on a small map, loaded when the map scrolls into view.
   Points arrive as [lng, lat] (the project's order, see civicgrid/cg.js). */
(function () {
  "use strict";
  var el = document.getElementById("topic-map");
  if (!el) return;
  var pts = JSON.parse(document.getElementById("topic-points").textContent);
  var colors = ["#dc2626", "#2563eb", "#16a34a", "#9333ea", "#ea580c"];
  CG.whenVisible(el, function () {
    CG.leaflet().then(function (L) {
      var map = CG.baseMap(el), all = [];
      pts.forEach(function (t, i) {
        t.p.forEach(function (p) {
          var ll = CG.ll(p);
          all.push(ll);
          L.circleMarker(ll, { radius: 6, color: colors[i % 5], fillOpacity: 0.8 })
            .bindTooltip(CG.text((i + 1) + ". " + t.t)).addTo(map);
        });
      });
      if (all.length) map.fitBounds(L.latLngBounds(all).pad(0.3));
    }).catch(function (e) { el.textContent = e.message; });
  });
})();
