// No inline scripts (CSP): behaviour is attached here, once per page.
(function () {
  if (window.__mediationWired) { return; }
  window.__mediationWired = true;
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print]");
    if (el) { ev.preventDefault(); window.print(); }
  });
  // The party picker (registration form): search the register, pick a resident, fill the hidden id.
  function pickSearch(side) {
    var input = document.querySelector("[data-pick-query='" + side + "']");
    var button = document.querySelector("[data-pick-search='" + side + "']");
    var out = document.querySelector("[data-pick-results='" + side + "']");
    if (!input || !button || !out) { return; }
    out.textContent = "查找中…";
    var url = button.getAttribute("data-url") + "?side=" + encodeURIComponent(side) + "&q=" + encodeURIComponent(input.value);
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.text().then(function (t) { return {ok: r.ok, text: t}; });
    }).then(function (res) {
      // Server-rendered and escaped by Django's templates; a refusal comes back as plain text.
      if (res.ok) { out.innerHTML = res.text; } else { out.textContent = res.text.slice(0, 200); }
    }).catch(function () { out.textContent = "网络不通，请稍后再试，或直接填写姓名等信息。"; });
  }
  function showPicked(side, label) {
    var hidden = document.getElementById("id_" + side + "_person");
    var shown = document.querySelector("[data-picked='" + side + "']");
    if (!hidden || !shown) { return; }
    shown.hidden = !hidden.value;
    shown.querySelector("span").textContent = label || ("编号 " + hidden.value);
  }
  document.addEventListener("click", function (ev) {
    var s = ev.target.closest("[data-pick-search]");
    if (s) { ev.preventDefault(); pickSearch(s.getAttribute("data-pick-search")); return; }
    var p = ev.target.closest("[data-pick-person]");
    if (p) {
      var side = p.getAttribute("data-pick-side");
      document.getElementById("id_" + side + "_person").value = p.getAttribute("data-pick-person");
      showPicked(side, p.getAttribute("data-pick-label"));
      document.querySelector("[data-pick-results='" + side + "']").textContent = "";
      return;
    }
    var c = ev.target.closest("[data-pick-clear]");
    if (c) {
      var sd = c.getAttribute("data-pick-clear");
      document.getElementById("id_" + sd + "_person").value = "";
      showPicked(sd, "");
    }
  });
  document.addEventListener("keydown", function (ev) {
    // Enter in the picker's box searches instead of submitting the whole registration form.
    if (ev.key === "Enter" && ev.target.matches("[data-pick-query]")) {
      ev.preventDefault();
      pickSearch(ev.target.getAttribute("data-pick-query"));
    }
  });
  ["applicant", "respondent"].forEach(function (side) {
    var hidden = document.getElementById("id_" + side + "_person");
    if (hidden && hidden.value) { showPicked(side, ""); }
  });
  document.addEventListener("change", function (ev) {
    // Picking a room hides the free-text place box in the session form.
    if (ev.target.matches("select[data-room]")) {
      var other = document.getElementById(ev.target.getAttribute("data-room"));
      if (other) { other.hidden = ev.target.value !== ""; }
    }
  });
})();
