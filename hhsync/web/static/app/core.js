// What every tab's script shares: the page's session, JSON calls to /app/api with it, the tab
// switch, and fitting the Bitrix24 frame to the page after each render (BX24 resizeWindow
// through the vendored b24jssdk's fitWindow). No cookies: they do not survive third-party frames.
(function () {
  "use strict";
  var root = document.getElementById("hhsync-app");
  if (!root) {
    return;
  }
  var session = root.getAttribute("data-session");
  var apiUrl = root.getAttribute("data-api-url");
  var listeners = {};
  var framePromise = window.B24Js ? window.B24Js.initializeB24Frame() : Promise.resolve(null);
  framePromise.catch(function () {});

  // One JSON call to the page's API; resolves to {ok, status, body}, never rejects on HTTP errors.
  function api(path, options) {
    var opts = options || {};
    var init = {
      method: opts.method || "GET",
      headers: { "X-Hhsync-Session": session, Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    };
    if (opts.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    return fetch(apiUrl + path, init).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
    });
  }

  // Fit the portal's frame to the page's height (call after every render).
  function fit() {
    framePromise
      .then(function (frame) {
        return frame ? frame.parent.fitWindow() : null;
      })
      .catch(function () {});
  }

  function showTab(name) {
    var tabs = root.querySelectorAll("[data-tab]");
    for (var i = 0; i < tabs.length; i += 1) {
      tabs[i].setAttribute("aria-selected", tabs[i].getAttribute("data-tab") === name ? "true" : "false");
    }
    var panels = root.querySelectorAll("[data-tab-panel]");
    for (var j = 0; j < panels.length; j += 1) {
      panels[j].hidden = panels[j].getAttribute("data-tab-panel") !== name;
    }
    (listeners[name] || []).forEach(function (callback) {
      callback();
    });
    fit();
  }

  // Run ``callback`` each time the tab ``name`` is shown.
  function onTab(name, callback) {
    (listeners[name] = listeners[name] || []).push(callback);
  }

  root.addEventListener("click", function (event) {
    var tab = event.target.closest ? event.target.closest("[data-tab]") : null;
    if (tab && root.contains(tab)) {
      showTab(tab.getAttribute("data-tab"));
    }
  });

  window.HhsyncApp = {
    root: root,
    api: api,
    fit: fit,
    frame: framePromise,
    onTab: onTab,
    showTab: showTab,
    canWrite: root.getAttribute("data-can-write") === "true",
    language: root.getAttribute("data-language") || "ru",
  };
  fit();
})();
