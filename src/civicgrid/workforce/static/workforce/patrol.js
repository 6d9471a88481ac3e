/* Patrol on a phone (巡查): the route and the checks are kept in localStorage until the server has them.
   Every patrol, point and check carries an id made here, so an upload retried after a dropped signal
   stores nothing twice (the server's unique constraints). No inline script: CSP. */
(function () {
  "use strict";
  var root = document.getElementById("patrol");
  if (!root) return;
  var KEY = "cg-patrol";
  var SYNC = root.getAttribute("data-sync");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var $ = function (id) { return document.getElementById(id); };
  var watch = null, lastPoint = 0, timer = null, busy = false;
  // A check added while an upload is in flight goes up as soon as that upload returns, not with the
  // 30-second timer: the worker waits for the case number before walking on.
  var again = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; } }
  function save(p) { if (p) localStorage.setItem(KEY, JSON.stringify(p)); else localStorage.removeItem(KEY); }
  function hhmm(iso) { var d = new Date(iso); return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); }
  function status(text) { $("p-status").textContent = text; }
  function queueText(p) {
    var n = p ? p.points.length + p.checks.length : 0;
    $("p-queue").textContent = n ? "待上传 " + n + " 条（信号恢复后自动上传）" : "";
  }
  function log(text) { var li = document.createElement("li"); li.textContent = text; $("p-log").insertBefore(li, $("p-log").firstChild); }

  function render() {
    var p = load();
    var on = !!(p && !p.ended_at);
    $("p-start").hidden = on; $("p-stop").hidden = !on; $("p-check").disabled = !on; $("p-grid").disabled = on;
    if (p) $("p-grid").value = p.grid;
    status(on ? "巡查中（开始于 " + hhmm(p.started_at) + "）" : (p ? "已结束，等待上传" : "未开始"));
    queueText(p);
  }

  function upload() {
    var p = load();
    if (!p) return;
    if (busy) { again = true; return; }
    busy = true; again = false;
    var body = { id: p.id, grid: p.grid, started_at: p.started_at, ended_at: p.ended_at || null,
                 points: p.points.slice(0, 2000), checks: p.checks.slice(0, 100) };
    fetch(SYNC, { method: "POST", credentials: "same-origin",
                  headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        busy = false;
        if (!res.ok) { status((res.j.error && res.j.error.message) || "上传失败"); return; }
        var cur = load(); if (!cur || cur.id !== p.id) return;
        var sentP = {}, sentC = {};
        body.points.forEach(function (x) { sentP[x.id] = 1; });
        body.checks.forEach(function (x) { sentC[x.id] = 1; });
        cur.points = cur.points.filter(function (x) { return !sentP[x.id]; });
        cur.checks = cur.checks.filter(function (x) { return !sentC[x.id]; });
        (res.j.cases || []).forEach(function (n) { log("已上报案件 " + n); });
        if (cur.ended_at && !cur.points.length && !cur.checks.length) { save(null); log("巡查已上传，里程 " + res.j.distance_m + " 米"); }
        else save(cur);
        render();
        if (again) upload();
      })
      .catch(function () { busy = false; queueText(load()); });
  }

  function addPoint(pos) {
    var p = load(); if (!p || p.ended_at) return;
    var now = Date.now(); if (now - lastPoint < 15000) return;
    lastPoint = now;
    p.points.push({ id: uuid(), at: new Date().toISOString(), lng: pos.coords.longitude, lat: pos.coords.latitude });
    save(p); queueText(p);
  }
  function startWatch() {
    if (navigator.geolocation && watch === null) {
      watch = navigator.geolocation.watchPosition(addPoint, function () {}, { enableHighAccuracy: true, maximumAge: 10000 });
    }
    if (!timer) timer = setInterval(upload, 30000);
  }

  $("p-start").addEventListener("click", function () {
    save({ id: uuid(), grid: $("p-grid").value, started_at: new Date().toISOString(), ended_at: null, points: [], checks: [] });
    lastPoint = 0; startWatch(); render(); upload();
  });
  $("p-stop").addEventListener("click", function () {
    var p = load(); if (!p) return;
    p.ended_at = new Date().toISOString(); save(p);
    if (watch !== null && navigator.geolocation) { navigator.geolocation.clearWatch(watch); watch = null; }
    render(); upload();
  });
  $("p-outcome").addEventListener("change", function () { $("p-case-fields").hidden = this.value !== "case"; });
  $("p-add").addEventListener("click", function () {
    var p = load(); if (!p || p.ended_at) return;
    var outcome = $("p-outcome").value, note = $("p-note").value.trim();
    if (outcome !== "nothing" && !note) { status("请填写情况说明"); $("p-note").focus(); return; }
    var c = { id: uuid(), at: new Date().toISOString(), building: $("p-building").value || null, outcome: outcome, note: note };
    if (outcome === "case") { c.category = $("p-category").value; c.description = note; }
    p.checks.push(c); save(p);
    log($("p-building").selectedOptions[0].textContent + "：" + $("p-outcome").selectedOptions[0].textContent);
    $("p-note").value = ""; render(); upload();
  });
  window.addEventListener("online", upload);
  var p = load();
  if (p) { startWatch(); upload(); }
  render();
})();
