/* The search page (cari/): Pagefind's interface, loaded here only, on this page, when JavaScript runs.
   Without JavaScript the page keeps its form and the plain list of archive, kind and tag pages. */
(function () {
  "use strict";
  var box = document.getElementById("pencarian");
  if (!box) { return; }
  var bundle = box.getAttribute("data-bundle");
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
      autofocus: false
    });
    var input = box.querySelector("input[type=text], input[type=search]");
    if (input) { input.setAttribute("aria-label", box.getAttribute("data-input-label")); }
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { ui.triggerSearch(q); }
    var nojs = document.querySelector(".search-nojs");
    if (nojs) { nojs.hidden = true; }
  };
  script.onerror = function () {
    var nojs = document.querySelector(".search-nojs");
    if (nojs) { nojs.hidden = false; }
  };
  document.head.appendChild(script);
}());
