/* Photo editor: draw blur areas over faces and set the focal point on the photo itself.
   The "redactions", "focal x" and "focal y" fields stay the source of truth: this only writes them,
   and the page works without it. */
(function () {
  "use strict";

  var MIN_SIZE = 0.01;   // an area smaller than 1% of a side cannot hide anything
  var NEW_SIZE = 0.2;    // "Add blur area" starts with a fifth of each side
  var DRAG_START = 4;    // pixels a pointer moves before a click becomes a drag

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }
  function round(value) { return Math.round(value * 10000) / 10000; }
  function percent(value) { return Math.round(value * 100) + "%"; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function announce(region, text) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* What the form's own validation accepts, written so that x + w and y + h never pass 1. */
  function normalise(area) {
    var x = round(clamp(area.x, 0, 1 - MIN_SIZE));
    var y = round(clamp(area.y, 0, 1 - MIN_SIZE));
    var w = round(clamp(area.w, MIN_SIZE, 1 - x));
    var h = round(clamp(area.h, MIN_SIZE, 1 - y));
    while (x + w > 1) { w = round(w - 0.0001); }
    while (y + h > 1) { h = round(h - 0.0001); }
    return { x: x, y: y, w: w, h: h };
  }

  function parseAreas(text) {
    var value;
    try { value = JSON.parse(text.trim() || "[]"); } catch (error) { return null; }
    if (!Array.isArray(value)) { return null; }
    for (var i = 0; i < value.length; i++) {
      var area = value[i];
      if (!area || typeof area !== "object" || ["x", "y", "w", "h"].some(function (key) {
        return typeof area[key] !== "number" || !isFinite(area[key]);
      })) { return null; }
    }
    return value.map(function (area) { return { x: area.x, y: area.y, w: area.w, h: area.h }; });
  }

  function setUp(root) {
    var form = root.closest("form");
    var field = form && form.querySelector("[name=redactions]");
    var focalX = form && form.querySelector("input[name=focal_x]");
    var focalY = form && form.querySelector("input[name=focal_y]");
    if (!field || !focalX || !focalY || !root.dataset.src) { return; }

    var areas = parseAreas(field.value) || [];
    var focal = readFocal();
    var selected = -1;

    root.textContent = "";
    var help = element("p", "help loupe-framer-help",
      "Drag across a face to blur it; click the photo to set the focal point the social card is cropped around. " +
      "Keyboard: “Add blur area”, then arrow keys move the selected area, Shift with arrow keys resizes it, " +
      "Delete removes it; arrow keys also move the focal point. Blur is applied when you save.");
    help.id = "loupe-framer-help";
    var tools = element("div", "loupe-framer-tools");
    var add = element("button", "button", "Add blur area");
    add.type = "button";
    var remove = element("button", "button", "Delete selected area");
    remove.type = "button";
    tools.append(add, remove);
    var stage = element("div", "loupe-framer-stage");
    var image = element("img", "loupe-framer-image");
    image.alt = "The photo, upright and not yet blurred, for framing";
    image.width = Number(root.dataset.width) || 0;
    image.height = Number(root.dataset.height) || 0;
    image.draggable = false;
    image.src = root.dataset.src;
    var layer = element("div", "loupe-framer-layer");
    var marker = element("div", "loupe-framer-focal");
    marker.tabIndex = 0;
    marker.setAttribute("role", "button");
    marker.setAttribute("aria-describedby", help.id);
    stage.append(image, layer, marker);
    var problem = element("p", "errornote loupe-framer-problem");
    problem.hidden = true;
    var status = element("p", "visually-hidden");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    root.append(help, tools, stage, problem, status);

    function readFocal() {
      var x = parseFloat(focalX.value), y = parseFloat(focalY.value);
      return { x: isFinite(x) ? clamp(x, 0, 1) : 0.5, y: isFinite(y) ? clamp(y, 0, 1) : 0.5 };
    }

    function describe(area, index) {
      return "Blur area " + (index + 1) + " of " + areas.length + ": from " + percent(area.x) + " across and " +
        percent(area.y) + " down, " + percent(area.w) + " wide and " + percent(area.h) + " tall";
    }

    function place(node, area) {
      // Through the CSSOM: the admin's CSP allows no style attributes.
      node.style.left = area.x * 100 + "%";
      node.style.top = area.y * 100 + "%";
      node.style.width = area.w * 100 + "%";
      node.style.height = area.h * 100 + "%";
    }

    function draw() {
      var focused = document.activeElement && layer.contains(document.activeElement);
      layer.textContent = "";
      areas.forEach(function (area, index) {
        var node = element("div", "loupe-framer-area");
        node.tabIndex = 0;
        node.dataset.index = index;
        node.setAttribute("role", "button");
        node.setAttribute("aria-pressed", index === selected ? "true" : "false");
        node.setAttribute("aria-label", describe(area, index));
        node.setAttribute("aria-describedby", help.id);
        node.appendChild(element("span", "loupe-framer-handle"));
        place(node, area);
        layer.appendChild(node);
      });
      marker.style.left = focal.x * 100 + "%";
      marker.style.top = focal.y * 100 + "%";
      marker.setAttribute("aria-label", "Focal point: " + percent(focal.x) + " across, " + percent(focal.y) + " down");
      remove.disabled = selected < 0;
      if (focused && selected >= 0) { layer.children[selected].focus(); }
    }

    function write() {
      field.value = JSON.stringify(areas.map(normalise));
      focalX.value = round(focal.x);
      focalY.value = round(focal.y);
    }

    function editable() {
      if (parseAreas(field.value) === null) {
        problem.textContent = "The blur areas field below is not a list of areas the editor can read. " +
          "Correct or empty it to draw on the photo.";
        problem.hidden = false;
        return false;
      }
      problem.hidden = true;
      return true;
    }

    function select(index, focus) {
      selected = index;
      draw();
      if (focus && index >= 0) { layer.children[index].focus(); }
    }

    function addArea(area) {
      areas.push(normalise(area));
      write();
      select(areas.length - 1, true);
      announce(status, describe(areas[selected], selected) + " added. Save to blur it.");
    }

    function removeArea(index) {
      areas.splice(index, 1);
      write();
      selected = -1;
      draw();
      if (areas.length) {
        select(Math.min(index, areas.length - 1), true);
      } else {
        add.focus();
      }
      announce(status, "Blur area removed. " + areas.length + " left. Save to apply.");
    }

    function setFocal(x, y) {
      focal = { x: round(clamp(x, 0, 1)), y: round(clamp(y, 0, 1)) };
      write();
      draw();
      announce(status, "Focal point set to " + percent(focal.x) + " across, " + percent(focal.y) + " down.");
    }

    add.addEventListener("click", function () {
      if (!editable()) { return; }
      addArea({ x: focal.x - NEW_SIZE / 2, y: focal.y - NEW_SIZE / 2, w: NEW_SIZE, h: NEW_SIZE });
    });
    remove.addEventListener("click", function () {
      if (selected >= 0 && editable()) { removeArea(selected); }
    });

    /* Pointer: drag on the photo draws an area, a click sets the focal point; drag an area to move it,
       its corner to resize it. */
    var gesture = null;

    function position(event) {
      var box = stage.getBoundingClientRect();
      return {
        x: clamp((event.clientX - box.left) / box.width, 0, 1),
        y: clamp((event.clientY - box.top) / box.height, 0, 1),
        px: event.clientX,
        py: event.clientY
      };
    }

    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var at = position(event);
      var node = event.target.closest(".loupe-framer-area");
      if (event.target === marker) {
        gesture = { kind: "focal", start: at };
        marker.focus();
      } else if (node) {
        if (!editable()) { return; }
        var index = Number(node.dataset.index);
        select(index, true);
        gesture = {
          kind: event.target.classList.contains("loupe-framer-handle") ? "resize" : "move",
          start: at, area: Object.assign({}, areas[index]), index: index
        };
      } else {
        gesture = { kind: "draw", start: at, draft: null };
      }
      stage.setPointerCapture(event.pointerId);
      event.preventDefault();
    });

    stage.addEventListener("pointermove", function (event) {
      if (!gesture) { return; }
      var at = position(event);
      var dx = at.x - gesture.start.x, dy = at.y - gesture.start.y;
      if (gesture.kind === "focal") {
        focal = { x: round(at.x), y: round(at.y) };
        marker.style.left = focal.x * 100 + "%";
        marker.style.top = focal.y * 100 + "%";
      } else if (gesture.kind === "draw") {
        var far = Math.abs(at.px - gesture.start.px) > DRAG_START || Math.abs(at.py - gesture.start.py) > DRAG_START;
        if (!gesture.draft && !far) { return; }
        if (!gesture.draft) {
          if (!editable()) { gesture = null; return; }
          gesture.draft = element("div", "loupe-framer-area loupe-framer-draft");
          layer.appendChild(gesture.draft);
        }
        gesture.area = {
          x: Math.min(at.x, gesture.start.x), y: Math.min(at.y, gesture.start.y),
          w: Math.abs(dx), h: Math.abs(dy)
        };
        place(gesture.draft, gesture.area);
      } else {
        var area = gesture.area;
        var next = gesture.kind === "move"
          ? { x: clamp(area.x + dx, 0, 1 - area.w), y: clamp(area.y + dy, 0, 1 - area.h), w: area.w, h: area.h }
          : { x: area.x, y: area.y, w: clamp(area.w + dx, MIN_SIZE, 1 - area.x), h: clamp(area.h + dy, MIN_SIZE, 1 - area.y) };
        areas[gesture.index] = next;
        place(layer.children[gesture.index], next);
      }
    });

    function finish(event) {
      if (!gesture) { return; }
      var done = gesture;
      gesture = null;
      if (stage.hasPointerCapture(event.pointerId)) { stage.releasePointerCapture(event.pointerId); }
      if (event.type === "pointercancel") { draw(); return; }
      if (done.kind === "focal") {
        var to = position(event);
        setFocal(to.x, to.y);
        marker.focus();
        return;
      }
      if (done.kind === "draw") {
        if (done.draft) {
          done.draft.remove();
          if (done.area.w >= MIN_SIZE && done.area.h >= MIN_SIZE) { addArea(done.area); }
        } else {
          var at = position(event);
          setFocal(at.x, at.y);
        }
        return;
      }
      areas[done.index] = normalise(areas[done.index]);
      write();
      select(done.index, true);
      announce(status, describe(areas[done.index], done.index) + ".");
    }
    stage.addEventListener("pointerup", finish);
    stage.addEventListener("pointercancel", finish);

    /* Keyboard */
    layer.addEventListener("focusin", function (event) {
      var node = event.target.closest(".loupe-framer-area");
      if (node && Number(node.dataset.index) !== selected) {
        selected = Number(node.dataset.index);
        layer.querySelectorAll(".loupe-framer-area").forEach(function (other, index) {
          other.setAttribute("aria-pressed", index === selected ? "true" : "false");
        });
        remove.disabled = false;
      }
    });

    var STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

    layer.addEventListener("keydown", function (event) {
      var node = event.target.closest(".loupe-framer-area");
      if (!node || !editable()) { return; }
      var index = Number(node.dataset.index);
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        removeArea(index);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        select(-1);
        marker.focus();
        return;
      }
      var step = STEPS[event.key];
      if (!step) { return; }
      event.preventDefault();
      var area = areas[index], d = 0.01;
      areas[index] = event.shiftKey
        ? { x: area.x, y: area.y, w: clamp(area.w + step[0] * d, MIN_SIZE, 1 - area.x), h: clamp(area.h + step[1] * d, MIN_SIZE, 1 - area.y) }
        : { x: clamp(area.x + step[0] * d, 0, 1 - area.w), y: clamp(area.y + step[1] * d, 0, 1 - area.h), w: area.w, h: area.h };
      areas[index] = normalise(areas[index]);
      write();
      select(index, true);
      announce(status, describe(areas[index], index) + ".");
    });

    marker.addEventListener("keydown", function (event) {
      var step = STEPS[event.key];
      if (!step) { return; }
      event.preventDefault();
      var d = event.shiftKey ? 0.1 : 0.01;
      setFocal(focal.x + step[0] * d, focal.y + step[1] * d);
      marker.focus();
    });

    /* Typing in the fields redraws the photo, so both always show the same thing. */
    field.addEventListener("input", function () {
      if (!editable()) { return; }
      areas = parseAreas(field.value);
      selected = -1;
      draw();
    });
    [focalX, focalY].forEach(function (input) {
      input.addEventListener("input", function () {
        focal = readFocal();
        draw();
      });
    });

    editable();
    draw();
  }

  function start() {
    document.querySelectorAll(".loupe-framer").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
