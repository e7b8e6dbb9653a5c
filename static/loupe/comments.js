// "Load more replies" without leaving the page; the link still works without JavaScript.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-replies-url]");
  if (!link) return;
  event.preventDefault();
  const holder = link.closest(".comment-load-more");
  link.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(link.dataset.repliesUrl, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(response.statusText);
    const fragment = document.createRange().createContextualFragment(await response.text());
    const first = fragment.querySelector(".comment");
    holder.replaceWith(fragment);
    if (first) {
      const added = document.getElementById(first.id);
      if (added) { added.setAttribute("tabindex", "-1"); added.focus(); }
    }
  } catch {
    window.location.href = link.href;
  }
});

// "Reply" opens the form under the comment it answers; without JavaScript the link leads to the reply's own page.
// Closing only hides the form, so words already typed are there again when the reader opens it once more.
function openReply(link, box) {
  box.hidden = false;
  link.setAttribute("aria-expanded", "true");
  const field = box.querySelector("textarea, input:not([type=hidden]), button");
  if (field) field.focus();
}

function closeReply(box) {
  box.hidden = true;
  const link = document.querySelector(`a.comment-reply[aria-controls="${box.id}"]`);
  if (link) {
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }
}

document.addEventListener("click", async (event) => {
  const link = event.target.closest("a.comment-reply");
  // A click meant to open a new tab or window keeps doing that.
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const article = link.closest(".comment");
  if (!article) return;
  event.preventDefault();
  const existing = document.getElementById(link.getAttribute("aria-controls") || "");
  if (existing) {
    if (existing.hidden) openReply(link, existing);
    else closeReply(existing);
    return;
  }
  if (link.getAttribute("aria-busy") === "true") return;
  link.setAttribute("aria-busy", "true");
  try {
    const url = new URL(link.href);
    url.searchParams.set("fragment", "form");
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(response.statusText);
    const box = document.createRange().createContextualFragment(await response.text()).querySelector(".comment-reply-inline");
    if (!box) throw new Error("The reply form is missing.");
    article.after(box);
    link.setAttribute("aria-controls", box.id);
    openReply(link, box);
  } catch {
    window.location.href = link.href;
  } finally {
    link.removeAttribute("aria-busy");
  }
});

document.addEventListener("click", (event) => {
  const cancel = event.target.closest(".comment-reply-cancel");
  if (cancel) closeReply(cancel.closest(".comment-reply-inline"));
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const box = event.target.closest(".comment-reply-inline");
  if (box) {
    event.preventDefault();
    closeReply(box);
  }
});
