// Keyboard shortcuts for the comment queue: j/k move, x selects, a/r/s decide the current comment.
(() => {
  const form = document.getElementById("changelist-form");
  if (!form) return;
  const rows = () => Array.from(document.querySelectorAll("#result_list tbody tr"));
  let current = -1;

  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row) => row.classList.remove("queue-current"));
    const row = all[current];
    row.classList.add("queue-current");
    row.scrollIntoView({ block: "nearest" });
    const box = row.querySelector("input.action-select");
    if (box) box.focus({ preventScroll: true });
  }

  function decide(action) {
    const all = rows();
    const row = all[current];
    if (!row) return;
    all.forEach((other) => {
      const box = other.querySelector("input.action-select");
      if (box) box.checked = other === row;
    });
    const select = form.querySelector("select[name=action]");
    if (!select || !select.querySelector(`option[value="${action}"]`)) return;
    select.value = action;
    form.requestSubmit(form.querySelector("button[name=index]"));
  }

  const keys = {
    j: () => focusRow(current + 1),
    k: () => focusRow(current - 1),
    x: () => {
      const box = rows()[current]?.querySelector("input.action-select");
      if (box) box.click();
    },
    a: () => decide("approve_selected"),
    r: () => decide("reject_selected"),
    s: () => decide("spam_selected"),
  };

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input:not([type=checkbox]), textarea, select, [contenteditable]")) return;
    const handler = keys[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  });
})();
