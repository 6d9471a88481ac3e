// No inline scripts (CSP): behaviour is attached here, once per page.
(function () {
  if (window.__mediationWired) { return; }
  window.__mediationWired = true;
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print]");
    if (el) { ev.preventDefault(); window.print(); }
  });
  document.addEventListener("change", function (ev) {
    // Picking a room hides the free-text place box in the session form.
    if (ev.target.matches("select[data-room]")) {
      var other = document.getElementById(ev.target.getAttribute("data-room"));
      if (other) { other.hidden = ev.target.value !== ""; }
    }
  });
})();
