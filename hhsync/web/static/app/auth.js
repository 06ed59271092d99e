// Авторизация: each time the tab is shown, the sync line (tabs/auth.html #auth-sync-state) is
// brought up to date from GET /app/api/status: whether the portal runs and whether its settings
// were saved (a save on «Настройки» in the same page turns «Выберите настройки…» into
// «Синхронизация активна»); static/hh_login.js then redraws the line with the accounts.
// «Открыть заново» on the portal banner asks Bitrix24 to reload the app (b24jssdk's
// reloadWindow): an administrator's open stores fresh tokens (bitrix_door/pages.py).
(function () {
  "use strict";
  var app = window.HhsyncApp;
  if (!app) {
    return;
  }
  var syncLine = document.getElementById("auth-sync-state");
  var button = document.getElementById("auth-portal-reopen");

  function refreshSyncFacts() {
    app.api("/status").then(function (answer) {
      if (!answer.ok || !syncLine) {
        return;
      }
      syncLine.setAttribute("data-portal-active", answer.body.status === "active" ? "true" : "false");
      syncLine.setAttribute("data-configured", answer.body.configured ? "true" : "false");
      document.dispatchEvent(new CustomEvent("hhsync:sync-facts"));
    });
  }

  if (syncLine) {
    app.onTab("auth", refreshSyncFacts);
  }
  if (!button) {
    return;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    app.frame
      .then(function (frame) {
        if (frame) {
          return frame.parent.reloadWindow();
        }
        window.location.reload();
        return null;
      })
      .catch(function () {
        button.disabled = false;
      });
  });
})();
