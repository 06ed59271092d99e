// The installer page: tells Bitrix24 the installation is finished, once, and only when every
// step on the server succeeded (data-complete="1"); otherwise the admin sees the installer again.
(function () {
  "use strict";
  var root = document.getElementById("hhsync-install");
  if (!root || root.getAttribute("data-complete") !== "1" || !window.B24Js) {
    return;
  }
  var asked = false;
  window.B24Js.initializeB24Frame()
    .then(function (frame) {
      if (asked || !frame.isInstallMode) {
        return undefined;
      }
      asked = true;
      return frame.installFinish();
    })
    .catch(function () {
      var error = document.getElementById("hhsync-install-error");
      if (error) {
        error.hidden = false;
      }
    });
})();
