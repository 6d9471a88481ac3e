/* Behaviour that used to sit in on* attributes and javascript: links, which the Content-Security-
   Policy now refuses to run: <select data-autosubmit> submits its form when changed;
   <a data-action="back|print"> goes back or prints. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-autosubmit]") && t.form) t.form.submit();
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("[data-action]");
    if (!a || a.tagName !== "A") return;
    if (a.dataset.action === "back") { e.preventDefault(); history.back(); }
    else if (a.dataset.action === "print") { e.preventDefault(); window.print(); }
  });
})();
