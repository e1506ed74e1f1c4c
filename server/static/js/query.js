// The query editor: YASGUI (vendored in static/vendor/yasgui/) configured for this app only.
// Everything comes from the page's JSON data block #gcmkg-query-config: endpoint, prefixes, examples, and the
// classes and properties of the graph for autocompletion. No request leaves this host: the prefix list is ours
// (not prefix.cc), class and property completion use our terms (not LOV), and result links go to our pages.
(function () {
  "use strict";

  function start() {
    var holder = document.getElementById("yasgui");
    var form = document.getElementById("plain-query");
    var configEl = document.getElementById("gcmkg-query-config");
    if (!holder || !configEl || !window.Yasgui) { return; }  // the plain form stays
    var cfg = JSON.parse(configEl.textContent);
    var Yasgui = window.Yasgui;
    var Yasqe = Yasgui.Yasqe;
    var endpoint = window.location.origin + cfg.endpoint;

    var prefixList = Object.keys(cfg.prefixes).sort().map(function (p) { return p + ": <" + cfg.prefixes[p] + ">"; });
    Yasqe.forkAutocompleter("prefixes", {name: "gcmPrefixes", persistenceId: null,
      get: function () { return Promise.resolve(prefixList); }}, false);
    Yasqe.forkAutocompleter("property", {name: "gcmProperties", bulk: true, persistenceId: null,
      get: function () { return cfg.terms.properties; }}, false);
    Yasqe.forkAutocompleter("class", {name: "gcmClasses", bulk: true, persistenceId: null,
      get: function () { return cfg.terms.classes; }}, false);
    Yasqe.defaults.autocompleters = ["gcmPrefixes", "gcmProperties", "gcmClasses", "variables"];
    Yasqe.defaults.prefixCcApi = null;

    var localRoots = cfg.localRoots.map(function (root) { return [cfg.base + root + "/", "/" + root + "/"]; });
    localRoots.push([cfg.sdg, "/sdg/"]);
    function localHref(iri) {
      for (var i = 0; i < localRoots.length; i++) {
        if (iri.indexOf(localRoots[i][0]) === 0) { return localRoots[i][1] + iri.slice(localRoots[i][0].length); }
      }
      return null;
    }

    form.hidden = true;
    holder.hidden = false;
    var yasgui = new Yasgui(holder, {
      requestConfig: {endpoint: endpoint, method: "POST"},
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }},
      persistenceId: "gcmkg-yasgui",
      populateFromUrl: true,
      yasqe: {value: cfg.defaultQuery, autocompleters: Yasqe.defaults.autocompleters, prefixCcApi: null},
      yasr: {prefixes: cfg.prefixes, defaultPlugin: "table",
             getDownloadFileName: function () { return "gcmkg-results"; }}
    });

    // an example chosen by link (?example=name, or the server's default) opens in the current tab
    var params = new URLSearchParams(window.location.search);
    if (params.get("example") || params.get("query")) {
      var tab = yasgui.getTab();
      if (tab && tab.getYasqe()) { tab.getYasqe().setValue(cfg.defaultQuery); }
    }

    // examples open in a new tab, named after the query
    var byName = {};
    cfg.examples.forEach(function (q) { byName[q.name] = q; });
    document.querySelectorAll("a[data-example]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var q = byName[a.getAttribute("data-example")];
        if (!q || ev.ctrlKey || ev.metaKey || ev.shiftKey) { return; }
        ev.preventDefault();
        var tab = yasgui.addTab(true, {name: q.name, yasqe: {value: q.query},
                                       requestConfig: {endpoint: endpoint, method: "POST"}});
        if (tab && tab.getYasqe) { var y = tab.getYasqe(); if (y) { y.setValue(q.query); } }
        holder.scrollIntoView({block: "start"});
      });
    });

    // IRIs in results link to our entity pages (the IRIs' own host may be unreachable, e.g. offline)
    function relink(root) {
      root.querySelectorAll("a.iri").forEach(function (a) {
        var local = localHref(a.getAttribute("href") || "");
        if (local) { a.setAttribute("href", local); a.removeAttribute("target"); }
      });
    }
    new MutationObserver(function (records) {
      records.forEach(function (r) { r.addedNodes.forEach(function (n) { if (n.querySelectorAll) { relink(n); } }); });
    }).observe(holder, {childList: true, subtree: true});
    window.gcmkgYasgui = yasgui;  // for the browser tests and the curious
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
