// Авторизация: «Открыть заново» on the portal banner (tabs/auth.html) asks Bitrix24 to reload the
// app (b24jssdk's reloadWindow): an administrator's open stores fresh tokens (bitrix_door/pages.py).
(function () {
  "use strict";
  var button = document.getElementById("auth-portal-reopen");
  if (!button || !window.HhsyncApp) {
    return;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    window.HhsyncApp.frame
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
