// Fill the hidden lng/lat from the phone's location. Without it (denied, desktop, no HTTPS) the
// form still works: the reporter picks the grid. Nothing here is needed for the form to submit.
(function () {
  var lng = document.getElementById("id_lng"), lat = document.getElementById("id_lat");
  var status = document.getElementById("locate-status"), btn = document.getElementById("locate-btn");
  if (!lng || !status) return;
  function locate() {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位，请选择所在网格。"; return; }
    status.textContent = "正在获取手机定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lng.value = pos.coords.longitude.toFixed(6);
      lat.value = pos.coords.latitude.toFixed(6);
      status.textContent = "已定位：" + lng.value + ", " + lat.value + "（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
    }, function (err) {
      var why = { 1: "未授权定位", 2: "无法获取位置", 3: "定位超时" }[err.code] || "定位失败";
      status.textContent = "未能定位（" + why + "），请选择所在网格。";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  if (btn) btn.addEventListener("click", locate);
  if (!lng.value) locate();
})();
