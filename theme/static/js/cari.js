/* The search page (cari/): Pagefind's interface, loaded only when someone searches (a query in ?q=, or
   the first key pressed in the search box). Without JavaScript the page keeps its form and the plain list
   of the kind, year and tag pages. */
(function () {
  "use strict";
  var box = document.getElementById("pencarian");
  if (!box) { return; }
  var bundle = box.getAttribute("data-bundle");
  var field = document.getElementById("q");
  var loading = false;

  function start(query, focus) {
    if (loading) { return; }
    loading = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = bundle + "pagefind-ui.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-ui.js";
    script.onload = function () {
      box.innerHTML = "";
      /* global PagefindUI */
      var ui = new PagefindUI({
        element: "#pencarian",
        bundlePath: bundle,
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
