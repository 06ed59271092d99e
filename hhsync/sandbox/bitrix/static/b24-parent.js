/*
 * The portal side of the Bitrix24 application frame protocol, as the hhsync sandbox plays it.
 *
 * The application runs in an iframe on its own origin. Its SDK posts commands to this page:
 * "name:params:callbackKey:appSid" as a string (params is JSON, may hold ":", and is left out
 * when empty), or {method, params, callback, appSid} for names that hold ":". A message from any
 * other origin or window, or for another APP_SID, is ignored. Each accepted command goes to the
 * sandbox (POST {command, params}); its reply says what to answer, posted back to the app's
 * origin only as "callbackKey:JSON", and what to do on this page (resize the frame, set the
 * heading, reload, show the user picker).
 */
(function () {
  "use strict";

  var host = JSON.parse(document.getElementById("b24-host").textContent);
  var form = document.getElementById("b24-app-form");
  var frame = document.getElementById("b24-app-frame");
  var heading = document.getElementById("pagetitle");
  var dialog = document.getElementById("b24-dialog");

  function parseCommand(data) {
    if (typeof data === "string") {
      var parts = data.split(":");
      if (parts.length < 3) {
        return null;
      }
      var raw = parts.slice(1, parts.length - 2).join(":");
      var params = null;
      if (raw) {
        try {
          params = JSON.parse(raw);
        } catch (error) {
          params = raw;
        }
      }
      return {
        name: parts[0],
        params: params,
        callback: parts[parts.length - 2],
        sid: parts[parts.length - 1]
      };
    }
    if (data && typeof data === "object" && typeof data.method === "string") {
      return {
        name: data.method,
        params: data.params === "" ? null : data.params,
        callback: String(data.callback || ""),
        sid: String(data.appSid || "")
      };
    }
    return null;
  }

  function answer(callback, payload) {
    if (!callback || !frame.contentWindow) {
      return;
    }
    var text = callback + ":" + (payload === undefined ? "" : JSON.stringify(payload));
    frame.contentWindow.postMessage(text, host.appOrigin);
  }

  function forward(command) {
    return fetch(host.commandsUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      credentials: "same-origin",
      body: JSON.stringify({command: command.name, params: command.params})
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("the portal refused " + command.name + ": HTTP " + response.status);
      }
      return response.json();
    });
  }

  function resize(reply) {
    if (reply.width === "100%") {
      frame.style.width = "100%";
    } else if (typeof reply.width === "number") {
      frame.style.width = reply.width + "px";
    }
    if (typeof reply.height === "number" && reply.height > 0) {
      frame.style.height = reply.height + "px";
    }
    var box = frame.getBoundingClientRect();
    return {width: Math.round(box.width), height: Math.round(box.height)};
  }

  function closeDialog() {
    dialog.hidden = true;
    dialog.replaceChildren();
  }

  function button(text, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  function chooseUsers(reply, callback) {
    closeDialog();
    var title = document.createElement("h2");
    title.textContent = reply.multiple ? "Выберите сотрудников" : "Выберите сотрудника";
    dialog.appendChild(title);
    var list = document.createElement("ul");
    var checked = [];
    reply.users.forEach(function (user) {
      var item = document.createElement("li");
      var label = user.name + (user.position ? " — " + user.position : "");
      if (reply.multiple) {
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = user.id;
        box.addEventListener("change", function () {
          checked = reply.users.filter(function (candidate) {
            var input = list.querySelector('input[value="' + candidate.id + '"]');
            return input !== null && input.checked;
          });
        });
        var text = document.createElement("label");
        text.appendChild(box);
        text.appendChild(document.createTextNode(" " + label));
        item.appendChild(text);
      } else {
        var pick = button(label, function () {
          closeDialog();
          answer(callback, user);
        });
        pick.dataset.userId = user.id;
        item.appendChild(pick);
      }
      list.appendChild(item);
    });
    dialog.appendChild(list);
    if (reply.multiple) {
      dialog.appendChild(button("Выбрать", function () {
        closeDialog();
        answer(callback, checked);
      }));
    }
    dialog.appendChild(button("Отмена", function () {
      closeDialog();
      answer(callback, reply.multiple ? [] : null);
    }));
    dialog.hidden = false;
  }

  function carryOut(command, reply) {
    switch (reply.effect) {
      case "resize":
        answer(command.callback, resize(reply));
        return;
      case "select_user":
        chooseUsers(reply, command.callback);
        return;
      case "title":
        heading.textContent = reply.title;
        break;
      case "reload":
        if ("answer" in reply) {
          answer(command.callback, reply.answer);
        }
        window.location.reload();
        return;
      default:
        break;
    }
    if ("answer" in reply) {
      answer(command.callback, reply.answer);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== host.appOrigin || event.source !== frame.contentWindow) {
      return;
    }
    var command = parseCommand(event.data);
    if (command === null || command.sid !== host.sid) {
      return;
    }
    forward(command).then(function (reply) {
      carryOut(command, reply);
    }).catch(function (error) {
      console.error(error);
    });
  });

  form.submit();
})();
