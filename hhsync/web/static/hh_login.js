/*
 * The hh.ru accounts card of the «Авторизация» tab (templates/hh_accounts.html): «Войти» (and
 * the re-login banner's button, both button.hh-login) opens hh.ru's login in a popup (never
 * inside the Bitrix24 frame), «Выйти» logs an account out, and the list is redrawn from
 * GET /app/api/hh/accounts, with what depends on it: the login button's label («Добавить
 * аккаунт» once one is linked), the re-login banner and the sync line (tabs/auth.html). Every
 * call carries the page's session token in X-Hhsync-Session; names are put in with textContent
 * only, and the words come in the page's language from the JSON island #hh-accounts-texts.
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
  var loginButton = root.querySelector("button.hh-login");
  var reauthBanner = document.getElementById("auth-banner-reauth");
  var syncLine = document.getElementById("auth-sync-state");
  var SYNC_TEXTS = {
    sync_active: "syncActive",
    sync_needs_account: "syncNeedsAccount",
    sync_needs_account_reader: "syncNeedsAccountReader",
    sync_needs_relogin: "syncNeedsRelogin",
    sync_needs_settings: "syncNeedsSettings",
    sync_portal_stopped: "syncPortalStopped",
    sync_leads_off: "syncLeadsOff"
  };
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

  // The same order as hhsync/web/app_api/auth_state.py's sync_state_key.
  function syncState(accounts) {
    if (syncLine.getAttribute("data-portal-active") !== "true") {
      return "sync_portal_stopped";
    }
    if (!accounts.length) {
      return canWrite ? "sync_needs_account" : "sync_needs_account_reader";
    }
    if (accounts.every(function (account) { return account.needs_reauth; })) {
      return "sync_needs_relogin";
    }
    if (syncLine.getAttribute("data-configured") !== "true") {
      return "sync_needs_settings";
    }
    if (syncLine.getAttribute("data-leads-off") === "true") {
      return "sync_leads_off";
    }
    return "sync_active";
  }

  function renderAround(accounts) {
    if (loginButton) {
      loginButton.textContent = accounts.length ? texts.addAccount : texts.login;
      loginButton.classList.toggle("--style-outline", accounts.length > 0);
      loginButton.classList.toggle("--style-filled", accounts.length === 0);
    }
    if (reauthBanner) {
      reauthBanner.hidden = !accounts.some(function (account) { return account.needs_reauth; });
    }
    if (syncLine) {
      var state = syncState(accounts);
      syncLine.setAttribute("data-state", state);
      syncLine.textContent = texts[SYNC_TEXTS[state]] || "";
    }
    if (window.HhsyncApp) {
      window.HhsyncApp.fit();
    }
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
        item.appendChild(span("hh-account-warning app-badge --danger", texts.needsReauth));
      }
      if (!account.is_admin) {
        item.appendChild(span("hh-account-note app-badge", texts.ownVacanciesOnly));
      }
      if (canWrite) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "ui-btn --air ui-btn-sm --style-plain hh-account-logout";
        button.setAttribute("data-account-id", String(account.id));
        button.textContent = texts.logout;
        item.appendChild(button);
      }
      list.appendChild(item);
    });
    renderAround(accounts);
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
    // The popup said how it ended: one refresh now, none more when it closes.
    window.clearInterval(watcher);
    if (data.ok) {
      say(texts.loggedIn);
    }
    refresh();
  });

  // static/app/auth.js has read the portal's state and settings again: redraw the sync line.
  document.addEventListener("hhsync:sync-facts", function () {
    refresh();
  });

  // The re-login banner's button lies outside the card: listen on the whole page.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("button") : null;
    if (!target || !canWrite) {
      return;
    }
    if (target.classList.contains("hh-login")) {
      logIn();
    } else if (target.classList.contains("hh-account-logout") && root.contains(target)) {
      logOut(target);
    }
  });
})();
