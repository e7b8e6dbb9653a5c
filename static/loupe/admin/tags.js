/* Keyword fields as tags: each word a chip with a remove button, new words typed and added with Enter or a
   comma. The comma-separated text field stays the value the form posts; without this file it is typed as is. */
(function () {
  "use strict";

  function words(text) {
    var seen = {};
    return text.split(",").map(function (w) { return w.trim().replace(/\s+/g, " "); }).filter(function (w) {
      var key = w.toLowerCase();
      if (!w || seen[key]) { return false; }
      seen[key] = true;
      return true;
    });
  }

  function enhance(field) {
    var box = document.createElement("div");
    box.className = "loupe-tag-box";
    var list = document.createElement("ul");
    list.className = "loupe-tag-list";
    list.setAttribute("aria-label", "Keywords chosen");
    var entry = document.createElement("input");
    entry.type = "text";
    entry.className = "loupe-tag-entry";
    entry.id = field.id + "_entry";
    entry.setAttribute("aria-describedby", field.id + "_helptext");
    var label = document.querySelector("label[for='" + field.id + "']");
    if (label) { label.htmlFor = entry.id; }
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.type = "hidden";
    field.after(box);
    box.append(list, entry, status);

    function render() {
      list.textContent = "";
      words(field.value).forEach(function (word) {
        var li = document.createElement("li");
        li.className = "loupe-tag";
        li.append(word + " ");
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove keyword " + word);
        remove.addEventListener("click", function () {
          field.value = words(field.value).filter(function (w) { return w !== word; }).join(", ");
          status.textContent = "Removed " + word + ".";
          render();
          entry.focus();
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    }

    function commit() {
      var added = words(entry.value);
      if (!added.length) { return; }
      field.value = words(field.value + "," + added.join(",")).join(", ");
      entry.value = "";
      status.textContent = "Added " + added.join(", ") + ".";
      render();
    }

    entry.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === ",") {
        event.preventDefault();
        commit();
      } else if (event.key === "Backspace" && !entry.value) {
        var all = words(field.value);
        all.pop();
        field.value = all.join(", ");
        render();
      }
    });
    entry.addEventListener("blur", commit);
    field.form.addEventListener("submit", commit);
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.loupe-tags").forEach(enhance);
  });
})();
