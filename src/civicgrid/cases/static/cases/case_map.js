/* A pin on the case's point. The map is secondary on the case page, so Leaflet (≈40 KB compressed)
   is fetched only when the map scrolls into view: the page is usable on 3G before it arrives.
   The point comes as data-lng/data-lat (the project's lng-first order, see civicgrid/cg.js). */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el) return;
  var point = [parseFloat(el.dataset.lng), parseFloat(el.dataset.lat)];
  CG.whenVisible(el, function () {
    CG.leaflet().then(function (L) {
      el.classList.remove("map-lazy");
      el.textContent = "";
      var map = CG.baseMap(el).setView(CG.ll(point), 17);
      L.circleMarker(CG.ll(point), { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }).catch(function (e) { el.textContent = e.message; });
  });
})();
