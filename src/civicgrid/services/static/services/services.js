// Check-in reads the phone's position before the form goes; the public page offers walking times
// from "my position". No inline scripts (CSP): this file is the app's only script.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("sv-act-check_in")) return;
    var lng = form.querySelector(".sv-lng"), lat = form.querySelector(".sv-lat");
    if (lng.value && lat.value) return;
    if (!navigator.geolocation) return;
    ev.preventDefault();
    var status = form.querySelector(".sv-geo-status");
    if (status) status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lng.value = pos.coords.longitude.toFixed(6);
      lat.value = pos.coords.latitude.toFixed(6);
      form.submit();
    }, function () {
      if (status) status.textContent = "无法定位：请允许定位后重试。";
    }, {enableHighAccuracy: true, timeout: 15000});
  });
  var locate = document.getElementById("sv-locate");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function (ev) {
      ev.preventDefault();
      var status = document.getElementById("sv-locate-status");
      if (status) status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        location.search = "?lng=" + pos.coords.longitude.toFixed(6) + "&lat=" + pos.coords.latitude.toFixed(6);
      }, function () { if (status) status.textContent = "无法定位，已按社区列出服务点。"; });
    });
  }
})();
