/* Datasette's table.js, in the page's language: its column menu and the
   labels it adds to filters are rewritten from OUTCOMES_TABLE_MESSAGES (the
   site's catalogue, written into the page). Runs after table.js (both are
   deferred, in this order). */
(function () {
  var messages = window.OUTCOMES_TABLE_MESSAGES;
  if (!messages) {
    return;
  }
  var items = {
    "dropdown-sort-asc": "sort_asc",
    "dropdown-sort-desc": "sort_desc",
    "dropdown-facet": "facet",
    "dropdown-hide-column": "hide",
    "dropdown-show-all-columns": "show_all",
    "dropdown-not-blank": "not_blank",
  };
  Object.keys(items).forEach(function (name) {
    document.querySelectorAll("a." + name).forEach(function (a) {
      a.textContent = messages[items[name]];
    });
  });
  document.querySelectorAll('.filter-row a[aria-label="Remove this filter"]').forEach(function (a) {
    a.setAttribute("aria-label", messages.remove_filter);
  });
  /* table.js writes "Type: TEXT" when a column's menu opens. */
  document.querySelectorAll(".dropdown-menu-icon").forEach(function (icon) {
    icon.addEventListener("click", function () {
      document.querySelectorAll(".dropdown-column-type").forEach(function (p) {
        p.textContent = p.textContent.replace(/^Type:/, messages.type);
      });
    });
  });
})();
