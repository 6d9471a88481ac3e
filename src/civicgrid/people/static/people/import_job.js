// Polls the job's state; the page can be reloaded at any time, the state lives on the server.
(function () {
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "1") return;
  function tick() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      box.querySelector(".bar").style.width = s.percent + "%";
      box.querySelector(".progress").setAttribute("aria-valuenow", s.percent);
      document.getElementById("job-status").textContent = s.status_label;
      document.getElementById("job-counts").textContent = "已处理 " + s.processed + " / " + s.total + " 行，导入 " + s.accepted + " 行，错误 " + s.rejected + " 行";
      if (s.finished) { window.location.reload(); } else { setTimeout(tick, 1500); }
    }).catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
