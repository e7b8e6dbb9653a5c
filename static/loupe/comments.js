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
