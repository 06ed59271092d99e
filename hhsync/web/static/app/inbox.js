// Новые отклики (hhsync.web.app_api.inbox is its API): redrawn from GET /app/api/inbox every
// 15 s while the tab is shown; «Проверить сейчас» asks POST /app/api/inbox/check, then polls
// every 3 s until the pass it asked for has ended. Instants are shown in the reader's own zone.
(function () {
  "use strict";
  var app = window.HhsyncApp;
  var panel = document.getElementById("panel-inbox");
  if (!app || !panel) {
    return;
  }
  var REFRESH_MS = 15000;
  var FOLLOW_MS = 3000;
  var textsNode = document.getElementById("inbox-texts");
  var texts = JSON.parse((textsNode && textsNode.textContent) || "{}");
  var button = document.getElementById("inbox-check-now");
  var statusLine = document.getElementById("inbox-check-status");
  var timer = null;
  var following = false;

  var showInstant = app.showInstant;

  function field(name) {
    return panel.querySelector('[data-inbox="' + name + '"]');
  }

  function setText(name, value) {
    var element = field(name);
    if (element) {
      element.textContent = value === null || value === undefined ? "" : String(value);
    }
  }

  function say(text, state) {
    statusLine.textContent = text || "";
    statusLine.setAttribute("data-state", state);
  }

  // A banner shown with the answer's words, hidden when the answer has none.
  function banner(id, text) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = text || "";
      element.hidden = !text;
    }
  }

  // Deep vacancies hh.ru will not list completely: one line each, the words from the answer.
  function gaps(list) {
    var element = document.getElementById("inbox-gaps");
    if (!element) {
      return;
    }
    element.textContent = "";
    list.forEach(function (gap) {
      var item = document.createElement("li");
      item.setAttribute("data-vacancy", gap.vacancy_id);
      item.textContent = gap.text;
      element.appendChild(item);
    });
    element.hidden = list.length === 0;
  }

  function render(view) {
    banner("inbox-blocked", view.blocked);
    banner("inbox-not-configured", view.not_configured);
    banner("inbox-leads-off", view.leads_off);
    gaps(view.gaps || []);
    setText("total", view.waiting.total);
    setText("pending", view.waiting.pending);
    setText("in_flight", view.waiting.in_flight);
    setText("failed", view.waiting.failed);
    showInstant(document.getElementById("inbox-next-pass"), view.next_pass_at);
    setText("next_pass_text", view.next_pass_text);
    var last = field("last_pass");
    if (last) {
      last.textContent = "";
      if (view.last_pass) {
        var label = document.createElement("span");
        label.textContent = view.last_pass.label + ", ";
        var at = document.createElement("time");
        showInstant(at, view.last_pass.finished_at || view.last_pass.started_at);
        var figures = document.createElement("span");
        figures.textContent = "; " + view.last_pass.figures;
        last.appendChild(label);
        last.appendChild(at);
        last.appendChild(figures);
      } else {
        last.textContent = texts.last_pass_none || "";
      }
    }
    var hh = document.getElementById("inbox-hh");
    if (hh) {
      hh.textContent = view.hh ? view.hh.text : texts.hh_counters_none || "";
      if (view.hh && view.hh.read_at) {
        hh.appendChild(document.createTextNode(" (" + (texts.hh_counters_at || "") + " "));
        var readAt = document.createElement("time");
        showInstant(readAt, view.hh.read_at);
        hh.appendChild(readAt);
        hh.appendChild(document.createTextNode(")"));
      }
    }
    if (button) {
      button.disabled = !app.canWrite || !view.can_check || view.running;
    }
    if (following) {
      if (view.running || view.due) {
        say(view.running ? texts.check_running : texts.check_queued, view.running ? "running" : "queued");
      } else {
        // Neither due nor running any more: the pass that was asked for has ended.
        following = false;
        say(texts.check_done, "done");
      }
    } else {
      say(view.check_status, view.running ? "running" : view.due ? "queued" : "idle");
    }
    app.fit();
  }

  function refresh() {
    if (panel.hidden && !following) {
      timer = null;
      return;
    }
    app.api("/inbox").then(function (answer) {
      if (answer.ok) {
        render(answer.body);
      }
      schedule(following ? FOLLOW_MS : REFRESH_MS);
    }, function () {
      schedule(REFRESH_MS);
    });
  }

  function schedule(ms) {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(refresh, ms);
  }

  if (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      app.api("/inbox/check", { method: "POST" }).then(function (answer) {
        if (!answer.ok) {
          button.disabled = false;
          say((answer.body && answer.body.error) || "", "refused");
          app.fit();
          return;
        }
        following = true;
        render(answer.body.inbox);
        say(answer.body.message, answer.body.result === "running" ? "running" : "queued");
        schedule(FOLLOW_MS);
      });
    });
  }

  var times = panel.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i += 1) {
    showInstant(times[i], times[i].getAttribute("datetime"));
  }
  app.onTab("inbox", function () {
    schedule(0);
  });
})();
