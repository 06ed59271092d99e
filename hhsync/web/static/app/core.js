// What every tab's script shares: the page's session, JSON calls to /app/api with it, the tab
// switch, and sizing the Bitrix24 frame to the page's content after each render (BX24
// resizeWindow through the vendored b24jssdk). No cookies: they do not survive third-party frames.
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

  // The page's own height: the body's box and its margins. Not the document's scrollHeight,
  // which is never less than the frame's window, so a frame sized by it only ever grows.
  function contentHeight() {
    var body = document.body;
    var style = window.getComputedStyle(body);
    var margins = (parseFloat(style.marginTop) || 0) + (parseFloat(style.marginBottom) || 0);
    return Math.ceil(body.getBoundingClientRect().height + margins);
  }

  // Size the portal's frame to the page's content, shorter as well as taller (call after every
  // render). The width stays the frame's: "100%", what the SDK's fitWindow sends; its
  // fitWindow itself measures the document and so never shrinks the frame.
  function fit() {
    framePromise
      .then(function (frame) {
        if (!frame) {
          return null;
        }
        var height = contentHeight();
        var message = frame.parent.message;
        if (message && typeof message.send === "function") {
          return message.send("resizeWindow", { width: "100%", height: height, isSafely: true });
        }
        return frame.parent.resizeWindow(window.innerWidth, height);
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

  // An instant in the reader's own time zone and language, e.g. «1 декабря, 15:42»; empty for
  // none or an unreadable value. The element keeps the ISO value in its datetime attribute.
  function showInstant(element, iso) {
    if (!element) {
      return;
    }
    element.setAttribute("datetime", iso || "");
    var when = iso ? new Date(iso) : null;
    if (!when || isNaN(when.getTime())) {
      element.textContent = "";
      return;
    }
    element.textContent = when.toLocaleString(root.getAttribute("data-language") || "ru", {
      day: "numeric",
      month: "long",
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  window.HhsyncApp = {
    showInstant: showInstant,
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
