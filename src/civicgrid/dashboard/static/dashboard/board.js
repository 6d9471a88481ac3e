/* KPI board charts (ECharts). Clicking a bar or point opens the cases behind it. */
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("board-data").textContent);
  function go(params) {
    var q = new URLSearchParams({ area: d.area, start: d.start, end: d.end });
    Object.keys(params).forEach(function (k) { q.set(k, params[k]); });
    window.location.href = d.cases_url + "?" + q.toString();
  }
  var font = { fontFamily: '"Noto Sans CJK SC","Microsoft YaHei",sans-serif' };
  function chart(id) { return echarts.init(document.getElementById(id), null, { renderer: "canvas" }); }

  var channels = Object.keys(d.channels);
  var c1 = chart("c-channel");
  c1.setOption({ textStyle: font, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 10, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.days }, yAxis: { type: "value", minInterval: 1 },
    series: channels.map(function (ch) {
      return { name: d.channels[ch], type: "bar", stack: "all", data: d.days.map(function (day) { return (d.by_day_channel[day] || {})[ch] || 0; }),
        channel: ch };
    }) });
  c1.on("click", function (p) { go({ figure: "reported", day: p.name, channel: channels[p.seriesIndex] }); });

  var c2 = chart("c-rates");
  function r(n, m) { return m ? Math.round(n / m * 1000) / 10 : null; }
  // Cumulative from the first day of the period, so the lines end at the cards' figures. A day's own
  // ratio (that day's closures ÷ that day's filings) jumps to thousands of per cent on a day that
  // clears older cases, which hides the trend.
  var sums = { filed: 0, closed: 0, closed_on_time: 0 }, closing = [], onTime = [];
  d.days.forEach(function (day) {
    var x = d.by_day[day] || {};
    sums.filed += x.filed || 0; sums.closed += x.closed || 0; sums.closed_on_time += x.closed_on_time || 0;
    closing.push(r(sums.closed, sums.filed)); onTime.push(r(sums.closed_on_time, sums.filed));
  });
  c2.setOption({ textStyle: font, tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    legend: { top: 0 }, grid: { left: 45, right: 10, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.days }, yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "结案率（累计）", type: "line", connectNulls: true, data: closing },
      { name: "按期结案率（累计）", type: "line", connectNulls: true, data: onTime }
    ] });
  c2.on("click", function (p) { go({ figure: p.seriesIndex === 0 ? "closed" : "closed_on_time", day: p.name }); });

  var c3 = chart("c-top");
  var top = d.top.slice().reverse();
  c3.setOption({ textStyle: font, tooltip: {}, grid: { left: 110, right: 20, top: 10, bottom: 25 },
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: top.map(function (t) { return t[1]; }) },
    series: [{ type: "bar", data: top.map(function (t) { return t[2]; }), itemStyle: { color: "#1f5fa8" } }] });
  c3.on("click", function (p) { go({ figure: "reported", category: top[p.dataIndex][0] }); });

  var c4 = chart("c-hist");
  c4.setOption({ textStyle: font, tooltip: {}, grid: { left: 45, right: 10, top: 10, bottom: 30 },
    xAxis: { type: "category", data: d.buckets.map(function (b) { return b[0]; }) }, yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: d.buckets.map(function (b) { return b[1]; }), itemStyle: { color: "#0d9488" } }] });
  c4.on("click", function (p) { go({ figure: "closed", bucket: d.buckets[p.dataIndex][2] }); });
  window.addEventListener("resize", function () { [c1, c2, c3, c4].forEach(function (c) { c.resize(); }); });
})();
