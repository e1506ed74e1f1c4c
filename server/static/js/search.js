// As-you-type suggestions for every search box marked data-suggest (progressive enhancement: the form works
// without this script). Asks /search.json, which answers from an in-memory index in about a millisecond.
// Text is inserted with textContent only, never as HTML.
(function () {
  "use strict";
  var counter = 0;

  function setup(input) {
    var form = input.form;
    var listId = "suggest-" + (++counter);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    (input.parentNode).appendChild(list);
    if (getComputedStyle(input.parentNode).position === "static") {
      input.parentNode.style.position = "relative";
    }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [], active = -1, timer = null, lastQuery = "", controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(n) {
      active = n;
      for (var i = 0; i < list.children.length; i++) {
        list.children[i].setAttribute("aria-selected", i === n ? "true" : "false");
      }
      if (n >= 0) {
        input.setAttribute("aria-activedescendant", list.children[n].id);
        list.children[n].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(results) {
      items = results;
      list.textContent = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.textContent = r.label;
        var kind = document.createElement("span");
        kind.className = "tag";
        kind.textContent = r.kindName;
        li.appendChild(label);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function go(i) {
      if (items[i] && items[i].url) { window.location.href = items[i].url; }
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (q.length < 2) { show([]); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var url = "/search.json?limit=8&q=" + encodeURIComponent(q);
      fetch(url, controller ? {signal: controller.signal} : {})
        .then(function (resp) { return resp.ok ? resp.json() : {results: []}; })
        .then(function (data) { if (input.value.trim() === q) { show(data.results || []); } })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) { return; }
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(active - 1, -1)); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); go(active); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    if (form) { form.addEventListener("submit", close); }
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) { setup(inputs[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
