// No inline scripts (CSP): behaviour is attached here.
document.addEventListener("click", function (ev) {
  var el = ev.target.closest("[data-print]");
  if (el) { ev.preventDefault(); window.print(); }
});
document.addEventListener("change", function (ev) {
  // Picking "其他地点" reveals the free-text place box in the session form.
  if (ev.target.matches("select[data-room]")) {
    var other = document.getElementById(ev.target.getAttribute("data-room"));
    if (other) { other.hidden = ev.target.value !== ""; }
  }
});
