/*
 * The hh.ru login popup's last page (templates/hh_login_result.html): tell the app page that
 * opened the popup how the login ended, addressed to the app's own origin only, then close after
 * the page's delay (long enough to read it); «Закрыть» closes it at once.
 * What it posts carries no names and no tokens: the app page asks the API for the accounts.
 */
(function () {
  "use strict";
  var root = document.getElementById("hh-login-result");
  if (!root) {
    return;
  }
  var close = root.querySelector(".hh-login-close");
  if (close) {
    close.addEventListener("click", function () { window.close(); });
  }
  var body = document.body;
  var origin = body.getAttribute("data-origin") || "";
  var notice;
  try {
    notice = JSON.parse(body.getAttribute("data-notice") || "null");
  } catch (ignored) {
    return;
  }
  if (!notice || !window.opener || !origin) {
    return;
  }
  try {
    window.opener.postMessage(notice, origin);
  } catch (ignored) {
    // The app page navigated away: nobody to tell.
  }
  var after = parseInt(body.getAttribute("data-close-after-ms") || "0", 10);
  if (after > 0) {
    window.setTimeout(function () { window.close(); }, after);
  }
})();
