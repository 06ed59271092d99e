/*
 * The hh.ru accounts block of the app page (templates/hh_accounts.html): «Войти» opens hh.ru's
 * login in a popup (never inside the Bitrix24 frame), «Выйти» logs an account out, and the list
 * is redrawn from GET /app/api/hh/accounts. Every call carries the page's session token in
 * X-Hhsync-Session; names are put in with textContent only.
 *
 * The popup is opened at the click, before the API answers, so that browsers do not block it.
 * The result comes back as a message from the popup, accepted only from this page's origin and
 * that popup; if a browser cuts the popup off from its opener, closing it still refreshes.
 */
(function () {
  "use strict";
  var root = document.getElementById("hh-accounts");
  if (!root || root.getAttribute("data-ready") === "true") {
    return;
  }
  root.setAttribute("data-ready", "true");
  var API = root.getAttribute("data-api-url") || "/app/api/hh";
  var MESSAGE_TYPE = "hhsync:hh-login";
  var token = root.getAttribute("data-session-token") || "";
  var canWrite = root.getAttribute("data-can-write") === "true";
  var textsNode = document.getElementById("hh-accounts-texts");
  var texts = JSON.parse((textsNode && textsNode.textContent) || "{}");
  var list = root.querySelector(".hh-accounts-list");
  var empty = root.querySelector(".hh-accounts-empty");
  var statusLine = root.querySelector(".hh-accounts-status");
  var popup = null;
  var watcher = null;

  function say(text) {
    if (statusLine) {
      statusLine.textContent = text || "";
    }
  }

  function call(method, path) {
    return fetch(API + path, {
      method: method,
      headers: { "X-Hhsync-Session": token, "Accept": "application/json" },
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          throw new Error(body.error || texts.requestFailed);
        }
        return body;
      });
    });
  }

  function label(account) {
    return [account.employer_name, account.manager_name].filter(Boolean).join(" — ");
  }

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function render(accounts) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    empty.hidden = accounts.length > 0;
    accounts.forEach(function (account) {
      var item = document.createElement("li");
      item.setAttribute("data-account-id", String(account.id));
      item.appendChild(span("hh-account-name", label(account)));
      if (account.needs_reauth) {
        item.appendChild(span("hh-account-warning", texts.needsReauth));
      }
      if (!account.is_admin) {
        item.appendChild(span("hh-account-note", texts.ownVacanciesOnly));
      }
      if (canWrite) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "hh-account-logout";
        button.setAttribute("data-account-id", String(account.id));
        button.textContent = texts.logout;
        item.appendChild(button);
      }
      list.appendChild(item);
    });
  }

  function refresh() {
    return call("GET", "/accounts").then(function (body) {
      render(body.accounts || []);
    }).catch(function (error) { say(error.message); });
  }

  function watch() {
    window.clearInterval(watcher);
    watcher = window.setInterval(function () {
      if (!popup || popup.closed) {
        window.clearInterval(watcher);
        refresh();
      }
    }, 1000);
  }

  function logIn() {
    popup = window.open("about:blank", "hhsync-hh-login", "popup=yes,width=600,height=760");
    if (!popup) {
      say(texts.popupBlocked);
      return;
    }
    say("");
    call("POST", "/login").then(function (body) {
      if (popup.closed) {
        return;
      }
      popup.location.href = body.authorize_url;
      watch();
    }).catch(function (error) {
      popup.close();
      say(error.message);
    });
  }

  function logOut(button) {
    // Two clicks: the first asks, the second logs out (frames may not allow confirm()).
    if (button.getAttribute("data-armed") !== "true") {
      var item = button.closest("li");
      var name = item ? item.querySelector(".hh-account-name") : null;
      say(texts.confirmLogout.replace("{account}", name ? name.textContent : ""));
      button.setAttribute("data-armed", "true");
      window.setTimeout(function () { button.removeAttribute("data-armed"); }, 5000);
      return;
    }
    button.disabled = true;
    var id = button.getAttribute("data-account-id") || "";
    call("POST", "/accounts/" + encodeURIComponent(id) + "/logout").then(function () {
      say(texts.loggedOut);
      return refresh();
    }).catch(function (error) {
      button.disabled = false;
      say(error.message);
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !popup || event.source !== popup) {
      return;
    }
    var data = event.data || {};
    if (data.type !== MESSAGE_TYPE) {
      return;
    }
    if (data.ok) {
      say(texts.loggedIn);
    }
    refresh();
  });

  root.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("button") : null;
    if (!target || !canWrite) {
      return;
    }
    if (target.classList.contains("hh-login")) {
      logIn();
    } else if (target.classList.contains("hh-account-logout")) {
      logOut(target);
    }
  });
})();
