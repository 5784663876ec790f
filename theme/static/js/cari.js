/* The search page (cari/): Pagefind's interface, loaded only when someone searches (a query in ?q=, or
   the first key pressed in the search box). Without JavaScript the page keeps its form and the plain list
   of the kind, year and tag pages. */
(function () {
  "use strict";
  var box = document.getElementById("pencarian");
  if (!box) { return; }
  /* an absolute path: Pagefind resolves a relative bundle path against its own script's folder */
  var bundle = new URL(box.getAttribute("data-bundle"), window.location.href).pathname;
  var field = document.getElementById("q");
  var loading = false;

  /* The index is one bundle per year (pagefind/bundles.json names them, newest first): the first is
     loaded, the others are merged into it (pipeline/site/search.py). */
  function open(names, query, focus) {
    if (!names.length) { return; }
    var first = bundle + names[0] + "/";
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = first + "pagefind-ui.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = first + "pagefind-ui.js";
    script.onload = function () {
      box.innerHTML = "";
      /* global PagefindUI */
      var ui = new PagefindUI({
        element: "#pencarian",
        bundlePath: first,
        mergeIndex: names.slice(1).map(function (name) { return { bundlePath: bundle + name + "/" }; }),
        showImages: false,
        showSubResults: false,
        resetStyles: false,
        autofocus: focus
      });
      var input = box.querySelector("input[type=text], input[type=search]");
      if (input) { input.setAttribute("aria-label", box.getAttribute("data-input-label")); }
      if (query) { ui.triggerSearch(query); }
      var nojs = document.querySelector(".search-nojs");
      if (nojs) { nojs.hidden = true; }
    };
    document.head.appendChild(script);
  }

  function start(query, focus) {
    if (loading) { return; }
    loading = true;
    fetch(bundle + "bundles.json")
      .then(function (response) { return response.ok ? response.json() : { bundles: [] }; })
      .then(function (manifest) { open(manifest.bundles || [], query, focus); })
      .catch(function () { loading = false; });
  }

  var q = new URLSearchParams(window.location.search).get("q");
  if (q) {
    start(q, false);
  } else if (field) {
    field.addEventListener("input", function () { start(field.value, true); });
    box.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      start(field.value, true);
    });
  }
}());
