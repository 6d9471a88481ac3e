// No inline scripts (CSP): behaviour is attached here, once per page.
(function () {
  if (window.__affairsWired) { return; }
  window.__affairsWired = true;
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print]");
    if (el) { ev.preventDefault(); window.print(); }
  });
  document.addEventListener("change", function (ev) {
    // Choosing a scan for a material ticks it as provided.
    var t = ev.target;
    if (t.matches("input[type=file][data-material]") && t.files && t.files.length) {
      var box = document.getElementById("provided-" + t.getAttribute("data-material"));
      if (box) { box.checked = true; }
    }
  });
})();
