// The app page: fits the frame to the page and refreshes the sync status every half minute
// through /app/api/status, carrying the page's session in X-Hhsync-Session (no cookies: they
// do not survive third-party frames).
(function () {
  "use strict";
  var root = document.getElementById("hhsync-app");
  if (!root) {
    return;
  }
  var session = root.getAttribute("data-session");
  var statusUrl = root.getAttribute("data-status-url");
  var REFRESH_MS = 30000;

  var showInstant = window.HhsyncApp.showInstant;

  function show(status) {
    var fields = root.querySelectorAll("[data-field]");
    for (var i = 0; i < fields.length; i += 1) {
      var name = fields[i].getAttribute("data-field");
      if (Object.prototype.hasOwnProperty.call(status, name)) {
        var value = status[name];
        if (fields[i].tagName === "TIME") {
          showInstant(fields[i], value);
        } else {
          fields[i].textContent = value === null ? "" : String(value);
        }
      }
    }
  }

  var times = root.querySelectorAll("time[data-field]");
  for (var t = 0; t < times.length; t += 1) {
    showInstant(times[t], times[t].getAttribute("datetime"));
  }

  function refresh() {
    fetch(statusUrl, {
      headers: { "X-Hhsync-Session": session },
      credentials: "omit",
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (status) {
          show(status);
        }
      })
      .catch(function () {});
  }

  window.setInterval(refresh, REFRESH_MS);
})();
