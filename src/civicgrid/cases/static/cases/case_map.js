// A pin on the case's point. Tiles only when the installation configured a provider.
(function () {
  var el = document.getElementById("case-map");
  if (!el || typeof L === "undefined") return;
  var p = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles }).setView(p, 17);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
  L.circleMarker(p, { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
})();
