// Gallery pages: lightbox, voting and sharing without reloads, a view beacon.
// Everything here enhances plain links and forms that work without it.
(function () {
  "use strict";

  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  document.body.appendChild(live);
  function announce(text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }

  // Lightbox: Esc closes (native <dialog>), arrow keys move, focus goes back to the photo that opened it.
  var links = Array.prototype.slice.call(document.querySelectorAll(".items a.frame"));
  if (links.length && typeof HTMLDialogElement === "function") {
    var dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", "Photo viewer");
    dialog.innerHTML = '<div class="lightbox-body"><div class="lightbox-bar">' +
      '<button type="button" data-move="-1">Previous</button><p class="lightbox-caption"></p>' +
      '<button type="button" data-move="1">Next</button><button type="button" data-close>Close</button></div></div>';
    document.body.appendChild(dialog);
    // The photo fills a stage above the bar and is contained in it: centred whatever the screen's shape.
    var stage = document.createElement("div");
    stage.className = "lightbox-stage";
    dialog.firstChild.insertBefore(stage, dialog.firstChild.firstChild);
    // The viewer shows the photo's own sources at the width of the screen, so the browser picks the
    // format and size; it joins the viewer when it first has a source, so the page never holds an
    // <img> without one.
    var frame = document.createElement("picture");
    var image = document.createElement("img");
    image.alt = "";
    var caption = dialog.querySelector(".lightbox-caption");
    var current = 0;
    var opener = null;

    // The item's title (its headline, else its caption's first words), which the page writes on the item.
    function headline(link) {
      var item = link.closest(".item");
      return item ? (item.dataset.title || "").trim() : "";
    }

    function show(index) {
      current = (index + links.length) % links.length;
      var link = links[current];
      var photo = link.querySelector("img.photo");
      var sources = Array.prototype.map.call(link.querySelectorAll("source"), function (source) {
        var copy = source.cloneNode(false);
        copy.sizes = "100vw";
        return copy;
      });
      image.removeAttribute("srcset");
      image.src = photo ? photo.currentSrc || photo.src : "";
      frame.replaceChildren.apply(frame, sources.concat([image]));
      if (!frame.parentNode) { stage.appendChild(frame); }
      image.alt = photo ? photo.alt : "";
      if (photo) { image.width = photo.width; image.height = photo.height; }
      var text = headline(link);
      caption.textContent = (current + 1) + " of " + links.length + (text ? ": " + text : "");
    }
    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
        event.preventDefault();
        opener = link;
        show(index);
        dialog.showModal();
        dialog.querySelector("[data-close]").focus();
      });
    });
    dialog.addEventListener("click", function (event) {
      var move = event.target.closest("[data-move]");
      if (move) { show(current + Number(move.dataset.move)); }
      else if (event.target.closest("[data-close]")) { dialog.close(); }
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { event.preventDefault(); show(current + 1); }
      else if (event.key === "ArrowLeft") { event.preventDefault(); show(current - 1); }
    });
    dialog.addEventListener("close", function () {
      // Return the reader to the photo they were on, which may not be the one that opened the viewer.
      var target = links[current] || opener;
      if (target) { target.focus(); }
    });
  }

  // Votes: the form posts and redirects without JavaScript; here it updates the count in place.
  document.querySelectorAll("form.vote").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) { announce("Too many votes for now. Please try again later."); return; }
        form.querySelector(".vote-count").textContent = result.data.votes;
        button.setAttribute("aria-pressed", "true");
        announce(result.data.counted ? "Vote counted." : "You have already voted for this photo.");
      }).catch(function () { form.submit(); });
    });
  });

  // Share: the system share sheet where there is one, else copy the link. Both come from the mailto link,
  // which carries the title as its subject and the address as its body.
  document.querySelectorAll("a.share[href^='mailto:']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var fields = new URLSearchParams(link.getAttribute("href").split("?")[1] || "");
      var url = fields.get("body");
      if (!url) { return; }
      if (navigator.share) {
        event.preventDefault();
        navigator.share({ title: fields.get("subject") || document.title, url: url }).catch(function () {});
      } else if (navigator.clipboard) {
        event.preventDefault();
        navigator.clipboard.writeText(url).then(function () { announce("Link copied."); });
      }
    });
  });

  // One view per page load, sent after the page is shown so it never delays it.
  var article = document.querySelector("[data-seen]");
  if (article && navigator.sendBeacon) {
    window.addEventListener("load", function () { navigator.sendBeacon(article.dataset.seen); });
  }
})();
