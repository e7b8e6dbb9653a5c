/* Gallery editor: reorder items (buttons and drag) and bulk upload. The page works without this file. */
(function () {
  "use strict";

  function announce(region, text) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* Reordering --------------------------------------------------------------------------------------- */

  function setUpReorder() {
    var group = document.getElementById("items-group");
    if (!group) { return; }
    var tbody = group.querySelector("tbody");
    if (!tbody) { return; }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    group.appendChild(status);

    function rows() {
      return Array.prototype.slice.call(tbody.querySelectorAll("tr.has_original"));
    }

    function renumber() {
      var all = rows();
      all.forEach(function (row, index) {
        var input = row.querySelector("input[name$='-position']");
        if (input) { input.value = index; }
        var number = row.querySelector(".loupe-number");
        if (number) { number.textContent = index + 1; }
        row.querySelectorAll(".loupe-move").forEach(function (button) {
          var direction = button.dataset.direction;
          button.setAttribute("aria-label", "Move photo " + (index + 1) + " " + direction);
          button.disabled = (direction === "up" && index === 0) ||
            (direction === "down" && index === all.length - 1);
        });
      });
      return all;
    }

    tbody.addEventListener("click", function (event) {
      var button = event.target.closest(".loupe-move");
      if (!button) { return; }
      event.preventDefault();
      var row = button.closest("tr");
      var all = rows();
      var index = all.indexOf(row);
      if (button.dataset.direction === "up" && index > 0) {
        tbody.insertBefore(row, all[index - 1]);
      } else if (button.dataset.direction === "down" && index < all.length - 1) {
        tbody.insertBefore(all[index + 1], row);
      } else {
        return;
      }
      all = renumber();
      var position = all.indexOf(row) + 1;
      // Keep focus on the same control, or its twin when this one became disabled at the end.
      if (button.disabled) {
        button = row.querySelector(".loupe-move:not([disabled])") || button;
      }
      button.focus();
      announce(status, "Photo moved to position " + position + " of " + all.length + ". Save to keep the order.");
    });

    var dragged = null;
    tbody.addEventListener("pointerdown", function (event) {
      var handle = event.target.closest(".loupe-drag-handle");
      if (handle) { handle.closest("tr").draggable = true; }
    });
    tbody.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("tr.has_original");
      if (!dragged) { return; }
      dragged.classList.add("loupe-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.id || "item");
    });
    tbody.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      var over = event.target.closest("tr.has_original");
      if (!over || over === dragged) { return; }
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      tbody.insertBefore(dragged, after ? over.nextSibling : over);
    });
    tbody.addEventListener("drop", function (event) {
      if (dragged) { event.preventDefault(); }
    });
    tbody.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("loupe-dragging");
      dragged.draggable = false;
      var all = renumber();
      announce(status, "Photo moved to position " + (all.indexOf(dragged) + 1) + " of " + all.length +
        ". Save to keep the order.");
      dragged = null;
    });
    renumber();
    setUpCompact(group, rows().length);
  }

  /* A long gallery opens compact: photo, number, headline and the move controls; captions and alt text are
     one click away, here or in the captions grid. Hidden fields still post what they hold. */
  var COMPACT_FROM = 12;

  function setUpCompact(group, count) {
    if (count < COMPACT_FROM || group.querySelector(".loupe-items-tools")) { return; }
    var tools = document.createElement("p");
    tools.className = "loupe-items-tools";
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button";
    toggle.setAttribute("aria-controls", group.id);
    var grid = document.querySelector("a[href$='/captions/']");
    function show(compact) {
      group.classList.toggle("loupe-compact", compact);
      toggle.setAttribute("aria-pressed", compact ? "false" : "true");
      toggle.textContent = compact ? "Show captions and alt text here" : "Compact view";
    }
    toggle.addEventListener("click", function () { show(!group.classList.contains("loupe-compact")); });
    tools.append(count + " photos. ", toggle);
    if (grid) {
      var link = document.createElement("a");
      link.href = grid.href;
      link.className = "button";
      link.textContent = "Write captions in the grid";
      tools.append(" ", link);
    }
    var heading = group.querySelector("h2");
    (heading ? heading.parentNode : group).insertBefore(tools, heading ? heading.nextSibling : group.firstChild);
    show(true);
  }

  /* Bulk upload --------------------------------------------------------------------------------------- */

  var CONCURRENCY = 3;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return byte.toString(16).padStart(2, "0");
    }).join("");
  }

  function pool(tasks, limit) {
    var next = 0;
    function worker() {
      if (next >= tasks.length) { return Promise.resolve(); }
      var task = tasks[next++];
      return task().then(worker, worker);
    }
    var workers = [];
    for (var i = 0; i < Math.min(limit, tasks.length); i++) { workers.push(worker()); }
    return Promise.all(workers);
  }

  function setUpUpload() {
    var form = document.querySelector(".loupe-upload-form");
    if (!form || !window.crypto || !window.crypto.subtle || !window.fetch) { return; }
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector(".loupe-upload-list");
    var summary = form.querySelector(".loupe-upload-summary");
    var zone = form.querySelector(".loupe-dropzone");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var busy = false;
    zone.hidden = false;

    function row(file) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "loupe-upload-name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Upload of " + file.name);
      var note = document.createElement("span");
      note.className = "loupe-upload-note";
      note.textContent = "Waiting";
      li.append(name, " ", bar, " ", note);
      list.appendChild(li);
      return { file: file, li: li, bar: bar, note: note, hash: "", photo: null };
    }

    function fail(entry, message) {
      entry.li.classList.add("loupe-upload-error");
      entry.note.textContent = message;
    }

    function postJSON(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) { throw new Error("The server answered " + response.status + "."); }
        return response.json();
      });
    }

    function send(entry) {
      return new Promise(function (resolve) {
        var request = new XMLHttpRequest();
        var data = new FormData();
        data.append("file", entry.file, entry.file.name);
        request.open("POST", form.action);
        request.setRequestHeader("Accept", "application/json");
        request.setRequestHeader("X-CSRFToken", token);
        request.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) { entry.bar.value = Math.round(event.loaded / event.total * 100); }
        });
        request.addEventListener("load", function () {
          var answer = {};
          try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
          if (request.status === 201 && answer.ok) {
            entry.photo = answer.photo;
            entry.bar.value = 100;
            entry.note.textContent = answer.created ? "Uploaded" : "Already in the library";
          } else {
            fail(entry, answer.error || ("Refused by the server (" + request.status + ")."));
          }
          resolve();
        });
        request.addEventListener("error", function () {
          fail(entry, "The upload failed: check the connection and try this file again.");
          resolve();
        });
        request.send(data);
      });
    }

    function run(files) {
      if (busy || !files.length) { return; }
      busy = true;
      list.textContent = "";
      var entries = Array.prototype.map.call(files, row);
      announce(summary, "Checking " + entries.length + " files…");
      var hashing = entries.map(function (entry) {
        return function () {
          if (entry.file.size > maxBytes) {
            fail(entry, "Too large: the limit is " + Math.floor(maxBytes / 1048576) + " MB.");
            return Promise.resolve();
          }
          entry.note.textContent = "Checking";
          return entry.file.arrayBuffer()
            .then(function (buffer) { return window.crypto.subtle.digest("SHA-256", buffer); })
            .then(function (digest) { entry.hash = hex(digest); })
            .catch(function () { fail(entry, "This file could not be read."); });
        };
      });
      pool(hashing, CONCURRENCY)
        .then(function () {
          var hashes = entries.filter(function (e) { return e.hash; }).map(function (e) { return e.hash; });
          return postJSON(form.dataset.knownUrl, { hashes: hashes });
        })
        .then(function (answer) {
          var known = answer.known || {};
          var sent = {};
          var uploads = [];
          entries.forEach(function (entry) {
            if (!entry.hash) { return; }
            if (known[entry.hash]) {
              entry.photo = known[entry.hash];
              entry.bar.value = 100;
              entry.note.textContent = "Already in the library: not sent again";
            } else if (sent[entry.hash]) {
              sent[entry.hash].push(entry);
              entry.note.textContent = "Same file as another in this batch";
            } else {
              sent[entry.hash] = [];
              entry.note.textContent = "Queued";
              uploads.push(function () {
                entry.note.textContent = "Uploading";
                return send(entry).then(function () {
                  sent[entry.hash].forEach(function (twin) { twin.photo = entry.photo; twin.bar.value = 100; });
                });
              });
            }
          });
          return pool(uploads, CONCURRENCY);
        })
        .then(function () {
          var photos = entries.filter(function (e) { return e.photo; }).map(function (e) {
            return { photo: e.photo, name: e.file.name };
          });
          if (!photos.length) { return { added: 0, skipped: 0 }; }
          return postJSON(form.dataset.appendUrl, { order: form.querySelector("select[name=order]").value, photos: photos });
        })
        .then(function (answer) {
          var failed = entries.filter(function (e) { return e.li.classList.contains("loupe-upload-error"); }).length;
          var text = answer.added + (answer.added === 1 ? " photo" : " photos") + " added to the gallery";
          if (answer.skipped) { text += ", " + answer.skipped + " already in it"; }
          if (failed) { text += "; " + failed + (failed === 1 ? " file" : " files") + " could not be added (see below)"; }
          announce(summary, text + ".");
          if (answer.added) { return refreshItems(summary); }
        })
        .catch(function (error) {
          announce(summary, "The batch stopped: " + error.message + " Files already uploaded stay in the library.");
        })
        .finally(function () { busy = false; input.value = ""; });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(input.files);
    });
    var section = form.closest(".loupe-upload");
    section.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        section.classList.add("loupe-dropping");
      }
    });
    section.addEventListener("dragleave", function () { section.classList.remove("loupe-dropping"); });
    section.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      section.classList.remove("loupe-dropping");
      run(event.dataTransfer.files);
    });
  }

  /* Items arriving and becoming ready ------------------------------------------------------------------ */

  function itemsEdited(group) {
    return Array.prototype.some.call(group.querySelectorAll("input, textarea, select"), function (field) {
      if (field.type === "hidden" || field.classList.contains("loupe-position")) { return false; }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      if (field.type === "checkbox") { return field.checked !== field.defaultChecked; }
      return field.value !== field.defaultValue;
    });
  }

  /* Swap in the items list as the server has it now, unless the editor has typed into it: their words win,
     and a button offers the reload instead. */
  function refreshItems(where) {
    var current = document.getElementById("items-group");
    if (!current) { return Promise.resolve(); }
    if (itemsEdited(current)) {
      if (where && !document.querySelector(".loupe-show-items")) {
        var reload = document.createElement("button");
        reload.type = "button";
        reload.className = "button loupe-show-items";
        reload.textContent = "Save your edits, then show the new items";
        reload.addEventListener("click", function () { window.location.reload(); });
        where.after(reload);
      }
      return Promise.resolve();
    }
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("items-group");
        if (!fresh) { return; }
        current.replaceWith(document.adoptNode(fresh));
        setUpReorder();
        watchStates();
      });
  }

  var polling = null;

  function watchStates() {
    var source = document.getElementById("loupe-item-status");
    if (!source || polling || !window.fetch) { return; }
    function pending() {
      return document.querySelectorAll(".loupe-item-photo[data-state=queued], .loupe-item-photo[data-state=processing]");
    }
    if (!pending().length) { return; }
    function poll() {
      fetch(source.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          var settled = false;
          answer.items.forEach(function (entry) {
            var cell = document.querySelector(".loupe-item-photo[data-photo='" + entry.photo + "']");
            if (!cell || cell.dataset.state === entry.state) { return; }
            cell.dataset.state = entry.state;
            var label = cell.querySelector(".loupe-state-label");
            if (label) { label.textContent = entry.label + (entry.reason ? ": " + entry.reason : "…"); }
            settled = settled || entry.state === "ready" || entry.state === "failed";
          });
          polling = null;
          if (settled) { return refreshItems(null).then(watchStates); }
          if (pending().length) { polling = window.setTimeout(poll, 2000); }
        })
        .catch(function () { polling = window.setTimeout(poll, 10000); });
    }
    polling = window.setTimeout(poll, 1500);
  }

  /* The add form: photos dropped anywhere on its Photos section go into its file input. */
  function setUpAddDrop() {
    var input = document.querySelector("input.loupe-add-files");
    if (!input) { return; }
    var area = input.closest("fieldset") || input.parentNode;
    area.classList.add("loupe-add-drop");
    var list = document.createElement("ol");
    list.className = "loupe-upload-list";
    list.setAttribute("aria-live", "polite");
    input.after(list);
    function show() {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var li = document.createElement("li");
        li.textContent = file.name;
        list.appendChild(li);
      });
    }
    input.addEventListener("change", show);
    area.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        area.classList.add("loupe-dropping");
      }
    });
    area.addEventListener("dragleave", function () { area.classList.remove("loupe-dropping"); });
    area.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      area.classList.remove("loupe-dropping");
      input.files = event.dataTransfer.files;
      show();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpReorder();
    setUpUpload();
    setUpAddDrop();
    watchStates();
  });
})();
