// The settings tab (hhsync.web.app_api.settings is its API): loads the portal's choices when the
// tab is shown, picks the responsible person with the portal's own selectUser() dialog (a
// searchable list when the frame cannot), saves, and shows the import's progress until it ends.
// Every text from the portal or an applicant goes in through textContent or value, never as HTML.
(function () {
  "use strict";
  var app = window.HhsyncApp;
  var root = document.getElementById("settings");
  if (!app || !root) {
    return;
  }
  var POLL_MS = 2000;
  var SEARCH_DELAY_MS = 300;
  var form = document.getElementById("settings-form");
  var progressBox = document.getElementById("settings-progress");
  var savedNote = document.getElementById("settings-saved");
  var errorBox = document.getElementById("settings-error");
  var warning = document.getElementById("settings-required-warning");
  var nameBox = document.getElementById("settings-responsible-name");
  var search = document.getElementById("settings-responsible-search");
  var userList = document.getElementById("settings-responsible-list");
  var pick = document.getElementById("settings-responsible-pick");
  var saveButton = document.getElementById("settings-save");
  var loadingNote = form.querySelector("[data-settings-loading]");
  var leadsOff = document.getElementById("settings-leads-off");
  var state = JSON.parse(document.getElementById("settings-state").textContent);
  var messages = state.messages;
  var users = [];
  var searching = null;
  var loaded = false;
  var loading = null;
  var polling = null;

  function field(name) {
    return form.elements[name];
  }

  function entityType() {
    var checked = form.querySelector("input[name=entity_type]:checked");
    return checked ? checked.value : "lead";
  }

  function extended() {
    return field("extended").checked;
  }

  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
    app.fit();
  }

  function setEnabled(enabled) {
    var controls = form.querySelectorAll("select, input[type=search]");
    for (var i = 0; i < controls.length; i += 1) {
      controls[i].disabled = !enabled;
    }
    if (saveButton) {
      saveButton.disabled = !enabled;
    }
  }

  function fillSelect(select, options, current, emptyLabel) {
    while (select.firstChild) {
      select.removeChild(select.firstChild);
    }
    if (emptyLabel !== null) {
      var empty = document.createElement("option");
      empty.value = "";
      empty.textContent = emptyLabel;
      select.appendChild(empty);
    }
    var found = false;
    options.forEach(function (choice) {
      var option = document.createElement("option");
      option.value = choice.id;
      option.textContent = choice.name;
      if (String(choice.id) === String(current)) {
        option.selected = true;
        found = true;
      }
      select.appendChild(option);
    });
    if (!found && select.options.length) {
      select.options[0].selected = true;
    }
  }

  function userLabel(user) {
    return user.name + " · #" + user.id;
  }

  function setResponsible(id, name) {
    field("responsible_user_id").value = id === null || id === undefined ? "" : String(id);
    nameBox.textContent = name || messages.responsible_none;
  }

  function showRows() {
    var mode = extended() ? "extended" : "simple";
    var rows = document.querySelectorAll("#settings-stages tr[data-stage-key]");
    for (var i = 0; i < rows.length; i += 1) {
      var modes = rows[i].getAttribute("data-modes").split(" ");
      rows[i].hidden = modes.indexOf(mode) < 0;
    }
    var labels = document.querySelectorAll("#settings-stages [data-mode-label]");
    for (var j = 0; j < labels.length; j += 1) {
      labels[j].hidden = labels[j].getAttribute("data-mode-label") !== mode;
    }
    document.getElementById("settings-category-field").hidden = entityType() !== "deal";
    app.fit();
  }

  function showWarning(required) {
    var list = warning.querySelector("ul");
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    required.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-field", item.code);
      var label = item.entity === "contact" ? messages.required_of_contact + ": " + item.label : item.label;
      li.textContent = item.sometimes ? label + " — " + messages.required_sometimes : label;
      list.appendChild(li);
    });
    warning.hidden = required.length === 0;
  }

  // The stage each row holds now (what the person chose, else what was saved).
  function currentStages() {
    var stages = {};
    var rows = document.querySelectorAll("#settings-stages tr[data-stage-key]");
    for (var i = 0; i < rows.length; i += 1) {
      var key = rows[i].getAttribute("data-stage-key");
      var value = rows[i].querySelector("select").value;
      stages[key] = value || state.settings.stage_map[key] || "";
    }
    return stages;
  }

  // The fallback list: the portal's users matching what was typed (its first page).
  function showUsers(found) {
    users = found;
    while (userList.firstChild) {
      userList.removeChild(userList.firstChild);
    }
    users.forEach(function (user) {
      var option = document.createElement("option");
      option.value = userLabel(user);
      userList.appendChild(option);
    });
  }

  // A simple-CRM portal keeps no leads: «Лид» is disabled with the reason and the form moves to
  // deals (answers whether it moved, so the deal choices are loaded instead).
  function showLeadsAvailable(available) {
    var lead = form.querySelector("input[name=entity_type][value=lead]");
    lead.disabled = !available;
    leadsOff.textContent = available ? "" : messages.leads_off;
    leadsOff.hidden = available;
    if (!available && lead.checked) {
      form.querySelector("input[name=entity_type][value=deal]").checked = true;
      return true;
    }
    return false;
  }

  function showChoices(choices, keepStages) {
    if (showLeadsAvailable(choices.leads_available !== false)) {
      loadChoices();
      return;
    }
    var chosen = choices.responsible;
    if (chosen && String(chosen.id) === field("responsible_user_id").value) {
      setResponsible(chosen.id, chosen.name);
    }
    fillSelect(field("category_id"), choices.categories, choices.category_id, null);
    fillSelect(field("source_id"), choices.sources, field("source_id").value, messages.source_none);
    var rows = document.querySelectorAll("#settings-stages tr[data-stage-key]");
    for (var i = 0; i < rows.length; i += 1) {
      var key = rows[i].getAttribute("data-stage-key");
      fillSelect(rows[i].querySelector("select"), choices.stages, keepStages[key], messages.stage_default);
    }
    showWarning(choices.required);
    loaded = true;
    setEnabled(app.canWrite);
    showRows();
  }

  function loadChoices() {
    var category = entityType() === "deal" ? field("category_id").value || "0" : "0";
    var keep = loaded ? currentStages() : state.settings.stage_map;
    setEnabled(false);
    loadingNote.hidden = false;
    form.setAttribute("data-loading", "true");
    var path =
      "/settings?entity_type=" + encodeURIComponent(entityType()) + "&category_id=" + encodeURIComponent(category);
    loading = app.api(path).then(function (answer) {
      loading = null;
      loadingNote.hidden = true;
      form.setAttribute("data-loading", "false");
      if (!answer.ok) {
        showError(answer.body.error || messages.portal_unreachable);
        return;
      }
      showError("");
      showChoices(answer.body.choices, keep);
    });
    return loading;
  }

  function showProgress(figures) {
    var running = figures.state === "running";
    progressBox.hidden = figures.state === "idle";
    progressBox.setAttribute("data-state", figures.state);
    progressBox.querySelector("[data-progress-title]").textContent = running
      ? messages.progress_title
      : messages.progress_done;
    ["loaded", "imported", "failed", "pending"].forEach(function (name) {
      progressBox.querySelector("[data-progress=" + name + "]").textContent = String(figures[name]);
    });
    progressBox.querySelector("[data-progress-label=imported]").textContent =
      entityType() === "deal" ? messages.progress_imported_deal : messages.progress_imported_lead;
    var errors = progressBox.querySelector("[data-progress-errors]");
    var list = errors.querySelector("ul");
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    (figures.errors || []).forEach(function (error) {
      var li = document.createElement("li");
      li.className = "settings-error-reason";
      li.textContent = error.reason + " (" + error.count + ")";
      list.appendChild(li);
    });
    errors.hidden = list.childNodes.length === 0;
    form.hidden = running;
    app.fit();
    return running;
  }

  // Follow the import every two seconds until it is done; the form then comes back.
  function follow(afterSave) {
    if (polling) {
      return;
    }
    polling = window.setInterval(function () {
      app.api("/settings/progress").then(function (answer) {
        if (!answer.ok) {
          return;
        }
        if (!showProgress(answer.body)) {
          window.clearInterval(polling);
          polling = null;
          if (afterSave) {
            savedNote.hidden = false;
          }
          app.fit();
        }
      });
    }, POLL_MS);
  }

  function formBody() {
    var stages = {};
    var mode = extended() ? "extended" : "simple";
    var rows = document.querySelectorAll("#settings-stages tr[data-stage-key]");
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].getAttribute("data-modes").split(" ").indexOf(mode) >= 0) {
        stages[rows[i].getAttribute("data-stage-key")] = rows[i].querySelector("select").value;
      }
    }
    var responsible = field("responsible_user_id").value;
    return {
      entity_type: entityType(),
      responsible_user_id: responsible ? Number(responsible) : null,
      category_id: entityType() === "deal" ? Number(field("category_id").value || "0") : null,
      source_id: field("source_id").value || null,
      extended: extended(),
      stage_map: stages,
    };
  }

  // The import as the save's answer shows it: the first save has started it, whatever a pass
  // that began a moment before the save says; the polls then follow it to its end.
  function savedImport(body) {
    var figures = body["import"];
    if (!body.first_save || figures.state === "running") {
      return figures;
    }
    var started = {};
    Object.keys(figures).forEach(function (name) {
      started[name] = figures[name];
    });
    started.state = "running";
    started.running = true;
    return started;
  }

  function save(event) {
    event.preventDefault();
    if (!app.canWrite || !loaded) {
      return;
    }
    savedNote.hidden = true;
    saveButton.disabled = true;
    saveButton.textContent = messages.saving;
    app.api("/settings", { method: "POST", body: formBody() }).then(function (answer) {
      saveButton.disabled = false;
      saveButton.textContent = messages.save;
      if (!answer.ok) {
        showError(answer.body.error || "");
        return;
      }
      showError("");
      state.settings = answer.body.settings;
      showWarning(answer.body.choices.required);
      if (showProgress(savedImport(answer.body))) {
        follow(true);
      } else {
        savedNote.hidden = false;
        app.fit();
      }
    });
  }

  function pickResponsible() {
    app.frame
      .then(function (frame) {
        if (!frame) {
          throw new Error("no frame");
        }
        return frame.dialog.selectUser();
      })
      .then(function (user) {
        if (user && user.id) {
          setResponsible(user.id, user.name);
        }
      })
      .catch(function () {
        search.focus();
      });
  }

  // A label picked from the list chooses that person; other text asks the portal, once typing
  // pauses.
  function searched() {
    var text = search.value;
    var picked = false;
    users.forEach(function (user) {
      if (userLabel(user) === text) {
        setResponsible(user.id, user.name);
        picked = true;
      }
    });
    window.clearTimeout(searching);
    if (picked || !app.canWrite || !text.trim()) {
      return;
    }
    searching = window.setTimeout(function () {
      app.api("/settings/users?q=" + encodeURIComponent(text.trim())).then(function (answer) {
        if (answer.ok && search.value === text) {
          showUsers(answer.body.users);
        }
      });
    }, SEARCH_DELAY_MS);
  }

  form.addEventListener("submit", save);
  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "extended") {
      showRows();
    } else if (name === "entity_type" || name === "category_id") {
      savedNote.hidden = true;
      showRows();
      loadChoices();
    }
  });
  search.addEventListener("change", searched);
  search.addEventListener("input", searched);
  if (pick) {
    pick.addEventListener("click", pickResponsible);
  }
  app.onTab("settings", function () {
    if (!loaded && !loading) {
      loadChoices();
    }
  });
  if (state["import"].state === "running") {
    follow(true);
  }
})();
