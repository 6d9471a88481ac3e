// Home visits and arrivals send the phone's position once (the server keeps only the distance).
(function () {
  function fill(form) {
    if (!navigator.geolocation) return;
    var status = document.getElementById("locate-status");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lng = form.querySelector("[name=lng]"), lat = form.querySelector("[name=lat]");
      if (lng && lat) { lng.value = pos.coords.longitude.toFixed(6); lat.value = pos.coords.latitude.toFixed(6); }
      if (status) status.textContent = "已取得定位，保存时核对是否在住址附近。";
    }, function () {
      if (status) status.textContent = "未能取得定位：记录仍可保存，将标注“未定位”。";
    }, {enableHighAccuracy: true, timeout: 8000, maximumAge: 60000});
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-locate='1']");
    for (var i = 0; i < forms.length; i++) fill(forms[i]);
  });
})();
