// Журнал (hhsync.web.app_api.journal is its API): the log is reloaded when the tab is shown or
// its filter changes, «Показать ещё» appends the next page, «Повторить» and «Повторить все» make
// failures due and reload. Every name and reason goes in with textContent; CRM cards open in
// the top window (the portal itself), never inside the app's frame.
(function () {
  "use strict";
  var app = window.HhsyncApp;
  var panel = document.getElementById("panel-journal");
  var table = document.getElementById("journal-table");
  if (!app || !panel || !table) {
    return;
  }
  var textsNode = document.getElementById("journal-texts");
  var texts = JSON.parse((textsNode && textsNode.textContent) || "{}");
  var body = table.querySelector("tbody");
  var filter = document.getElementById("journal-filter");
  var more = document.getElementById("journal-more");
  var retryAll = document.getElementById("journal-retry-all");
  var empty = document.getElementById("journal-empty");
  var statusLine = document.getElementById("journal-status");
  var failedCount = panel.querySelector('[data-journal="failed"]');

  var showInstant = app.showInstant;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function timeCell(iso) {
    var time = element("time");
    showInstant(time, iso);
    return time;
  }

  function rowOf(row) {
    var tr = element("tr");
    tr.setAttribute("data-negotiation-id", String(row.id)); // hhsync's own row id
    tr.setAttribute("data-hh-negotiation-id", String(row.hh_negotiation_id)); // hh.ru's id
    tr.setAttribute("data-status", row.status);
    var when = element("td");
    when.appendChild(timeCell(row.at));
    tr.appendChild(when);
    tr.appendChild(element("td", "journal-applicant", row.applicant_name));
    var vacancy = element("td", "journal-vacancy", row.vacancy_name + " ");
    vacancy.appendChild(element("span", "app-muted", row.kind_label));
    tr.appendChild(vacancy);
    var result = element("td");
    result.appendChild(element("span", "journal-status", row.status_label));
    if (row.note) {
      result.appendChild(element("div", "app-muted journal-note", row.note));
    }
    if (row.reason) {
      var reason = element("div", "journal-reason", row.reason.text);
      reason.setAttribute("data-code", row.reason.code);
      reason.title = row.reason.detail;
      result.appendChild(reason);
      var attempts = element("div", "app-muted journal-attempts");
      attempts.textContent = (texts.attempts || "").replace("{attempts}", String(row.attempts));
      if (row.next_retry_at) {
        attempts.appendChild(document.createTextNode("; " + (texts.next_retry || "") + " "));
        attempts.appendChild(timeCell(row.next_retry_at));
      }
      result.appendChild(attempts);
    }
    tr.appendChild(result);
    var entity = element("td");
    if (row.entity && !row.entity.url) {
      entity.appendChild(element("span", "journal-entity-gone", row.entity.label));
    } else if (row.entity) {
      var link = element("a", "journal-entity", row.entity.label);
      link.href = row.entity.url;
      link.target = "_top";
      link.rel = "noopener";
      entity.appendChild(link);
    } else {
      entity.textContent = texts.no_entity || "";
    }
    tr.appendChild(entity);
    var action = element("td");
    if (row.can_retry) {
      var retry = element("button", "journal-retry ui-btn --air ui-btn-sm --style-plain", texts.retry);
      retry.type = "button";
      retry.setAttribute("data-negotiation-id", String(row.id));
      retry.disabled = !app.canWrite;
      action.appendChild(retry);
    }
    tr.appendChild(action);
    return tr;
  }

  function say(text) {
    statusLine.textContent = text || "";
    app.fit();
  }

  function render(view, append) {
    if (!append) {
      while (body.firstChild) {
        body.removeChild(body.firstChild);
      }
    }
    view.rows.forEach(function (row) {
      body.appendChild(rowOf(row));
    });
    empty.hidden = body.children.length > 0;
    more.hidden = !view.next_before;
    more.setAttribute("data-before", view.next_before || "");
    if (failedCount) {
      failedCount.textContent = String(view.failed);
    }
    retryAll.disabled = !app.canWrite || !view.failed;
    app.fit();
  }

  function load(append) {
    var query = "?status=" + encodeURIComponent(filter.value);
    if (append && more.getAttribute("data-before")) {
      query += "&before=" + encodeURIComponent(more.getAttribute("data-before"));
    }
    return app.api("/journal" + query).then(function (answer) {
      if (answer.ok) {
        render(answer.body, append);
      } else {
        say(answer.body && answer.body.error);
      }
    });
  }

  function retry(path, button) {
    button.disabled = true;
    app.api(path, { method: "POST" }).then(function (answer) {
      say(answer.body && (answer.ok ? answer.body.message : answer.body.error));
      load(false);
    });
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.journal-retry") : null;
    if (button && app.canWrite) {
      retry("/journal/" + encodeURIComponent(button.getAttribute("data-negotiation-id")) + "/retry", button);
    }
  });
  retryAll.addEventListener("click", function () {
    if (app.canWrite) {
      retry("/journal/retry-all", retryAll);
    }
  });
  more.addEventListener("click", function () {
    load(true);
  });
  filter.addEventListener("change", function () {
    say("");
    load(false);
  });

  var times = panel.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i += 1) {
    showInstant(times[i], times[i].getAttribute("datetime"));
  }
  app.onTab("journal", function () {
    load(false);
  });
})();
