/* Drill-down map of the territory tree: district → street → community → grid.
   Data comes from /regions/geo/nodes/<code>/ (jurisdiction-scoped JSON). Everything is drawn
   from polygons alone; base tiles are added only when the installation configures a tile URL. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-settings").textContent);
  var el = document.getElementById("region-map");
  var panel = document.getElementById("map-panel");
  var crumbs = document.getElementById("map-crumbs");
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#8cd17d", "#499894", "#d37295"];
  var KIND_COLOR = { key_unit: "#c0392b", road: "#7f8c8d" };

  var map = CG.baseMap(el, { preferCanvas: false });
  var syncLabels = null;
  map.setView([39.9, 116.4], 11);
  var outline = L.layerGroup().addTo(map);
  var layer = L.layerGroup().addTo(map);
  var byCode = {};
  var selected = null;
  var current = null;  // the node whose children are drawn

  function h(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function url(code) { return code ? cfg.nodeUrl.replace("CODE", encodeURIComponent(code)) : cfg.topUrl; }

  function fetchNode(code) {
    el.classList.add("loading");
    return fetch(url(code), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 404) throw new Error("该区域不存在或不在您的管辖范围内。");
        if (!r.ok) throw new Error("加载失败（" + r.status + "），请稍后重试。");
        return r.json();
      })
      .finally(function () { el.classList.remove("loading"); });
  }

  function showError(msg) {
    panel.replaceChildren(h("h2", {}, "无法显示"), h("p", { "class": "error" }, msg));
  }

  function style(f, i) {
    var p = f.properties;
    var color = (p.level === "grid" && KIND_COLOR[p.grid_kind]) || PALETTE[i % PALETTE.length];
    return { color: "#ffffff", weight: 1.5, fillColor: color, fillOpacity: 0.45, className: "region region-" + p.code };
  }

  function drawChildren(data) {
    layer.clearLayers();
    outline.clearLayers();
    byCode = {};
    selected = null;
    var feats = data.children.features;
    if (data.node && data.node.geometry) {
      L.geoJSON(data.node.geometry, { interactive: false,
        style: { color: "#1f2933", weight: 2.5, dashArray: "6 4", fill: false } }).addTo(outline);
    }
    // Few areas: every name stays on the map; many (all grids of a street): names from zoom 15 on.
    var labelled = feats.length <= 60;
    if (syncLabels) syncLabels.remove();
    syncLabels = null;
    feats.forEach(function (f, i) {
      if (!f.geometry) return;
      var gj = L.geoJSON(f, { style: function () { return style(f, i); } });
      gj.eachLayer(function (l) {
        l.feature = f;
        // Names are imported data: a text node, never parsed as HTML.
        if (labelled) l.bindTooltip(CG.text(f.properties.name), { permanent: true, direction: "center", className: "region-label" });
        l.on("click", function () { choose(f.properties); });
        l.on("mouseover", function () { if (l !== selected) l.setStyle({ fillOpacity: 0.7 }); });
        l.on("mouseout", function () { if (l !== selected) l.setStyle({ fillOpacity: 0.45 }); });
        byCode[f.properties.code] = l;
      });
      gj.addTo(layer);
    });
    if (!labelled) syncLabels = CG.labels(map, layer.getLayers().reduce(function (g, gj) { gj.eachLayer(function (l) { g.addLayer(l); }); return g; }, L.featureGroup()),
                                          function (f) { return f.properties.name; }, 15);
    var b = L.featureGroup([layer, outline].reduce(function (acc, g) { return acc.concat(g.getLayers()); }, [])).getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [12, 12] });
  }

  function renderCrumbs(data) {
    crumbs.replaceChildren();
    var items = [{ code: "", name: "我的辖区" }].concat(data.breadcrumbs);
    if (data.node) items.push({ code: data.node.code, name: data.node.name, current: true });
    items.forEach(function (c, i) {
      if (i) crumbs.appendChild(document.createTextNode(" › "));
      if (c.current) { crumbs.appendChild(h("strong", { "aria-current": "page" }, c.name)); return; }
      var a = h("a", { href: "#", "data-code": c.code }, c.name);
      a.addEventListener("click", function (ev) { ev.preventDefault(); open(c.code); });
      crumbs.appendChild(a);
    });
  }

  function facts(node) {
    var dl = h("dl");
    var rows = [["编码", node.code], ["层级", node.level_label]];
    if (node.grid_kind_label) rows.push(["网格类型", node.grid_kind_label]);
    if (node.level !== "grid") { rows.push(["下级区域", String(node.children)]); rows.push(["网格数", String(node.grids)]); }
    rows.forEach(function (r) { dl.appendChild(h("dt", {}, r[0])); dl.appendChild(h("dd", {}, r[1])); });
    return dl;
  }

  function rosterList(people) {
    var box = h("div", { "class": "roster" });
    box.appendChild(h("h3", {}, "实名制公示人员"));
    if (!people.length) { box.appendChild(h("p", { "class": "muted" }, "尚未公示服务人员。")); return box; }
    people.forEach(function (p) {
      var row = h("div", { "class": "roster-person" });
      var who = h("div");
      who.appendChild(h("strong", {}, p.name));
      who.appendChild(h("div", { "class": "muted" }, [p.title || p.role, p.serves_from].filter(Boolean).join(" · ")));
      row.appendChild(who);
      if (p.phone) row.appendChild(h("a", { "class": "phone", href: "tel:" + p.phone }, p.phone));
      box.appendChild(row);
    });
    return box;
  }

  function renderPanel(data, features) {
    panel.replaceChildren();
    if (!data.node) {
      panel.appendChild(h("h2", { id: "panel-title" }, "我的辖区"));
      panel.appendChild(h("p", { "class": "muted" }, "点击地图上的区域或下方列表进入下一级。"));
    } else {
      panel.appendChild(h("h2", { id: "panel-title" }, data.node.name));
      panel.appendChild(facts(data.node));
      if (data.roster) panel.appendChild(rosterList(data.roster));
    }
    if (features && features.length) {
      var lvl = features[0].properties.level_label;
      var siblings = data.node && data.node.level === "grid";
      panel.appendChild(h("h3", {}, (siblings ? "本社区" : "下级") + lvl + "（" + features.length + "）"));
      var ul = h("ul", { "class": "child-list" });
      features.forEach(function (f) {
        var li = h("li");
        var b = h("button", { type: "button", "data-code": f.properties.code });
        b.appendChild(h("span", {}, f.properties.name));
        b.appendChild(h("span", { "class": "muted" },
          f.properties.level === "grid" ? (f.properties.grid_kind_label || "") : f.properties.grids + " 个网格"));
        b.addEventListener("click", function () { choose(f.properties); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
  }

  function remember(code) {
    var u = new URL(window.location.href);
    if (code) u.searchParams.set("code", code); else u.searchParams.delete("code");
    window.history.replaceState(null, "", u);
  }

  function highlight(code) {
    if (selected) selected.setStyle({ weight: 1.5, color: "#ffffff", fillOpacity: 0.45 });
    selected = byCode[code] || null;
    if (selected) { selected.setStyle({ weight: 3, color: "#1f2933", fillOpacity: 0.75 }); selected.bringToFront(); }
  }

  // A grid has no children to drill into: show it (and its roster) beside its sibling grids.
  function choose(props) {
    if (props.level === "grid") {
      fetchNode(props.code).then(function (data) {
        highlight(props.code);
        renderCrumbs(data);
        renderPanel(data, current ? current.children.features : []);
        panel.querySelector("h2").scrollIntoView({ block: "nearest" });
        remember(props.code);
      }).catch(function (e) { showError(e.message); });
    } else {
      open(props.code);
    }
  }

  function open(code) {
    return fetchNode(code).then(function (data) {
      if (data.node && data.node.level === "grid") {
        // Opened directly (a bookmarked grid): draw its community, then select it.
        var parent = data.breadcrumbs[data.breadcrumbs.length - 1];
        if (parent) return open(parent.code).then(function () { choose(data.node); });
      }
      // With one top node only, start inside it: a street dispatcher sees their communities.
      if (!data.node && data.children.features.length === 1 && !open.entered) {
        open.entered = true;
        return open(data.children.features[0].properties.code);
      }
      current = data;
      drawChildren(data);
      renderCrumbs(data);
      renderPanel(data, data.children.features);
      remember(code);
    }).catch(function (e) { showError(e.message); });
  }

  open(cfg.start || "");
})();
