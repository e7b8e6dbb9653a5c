import json

from playwright.sync_api import expect

from tests.e2e.conftest import login

DRAFT = "inside-the-flood-relief-camp"


def draft_photo_id(site) -> int:
    code = f"from galleries.models import Item; print(Item.objects.filter(gallery__slug='{DRAFT}').first().photo_id)"
    return int(site.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def areas(page) -> list[dict]:
    return json.loads(page.locator("input[name=redactions]").input_value() or "[]")


def set_redactions(page, value: str) -> None:
    # The field is hidden (areas are drawn, never typed); the tool still redraws from whatever it holds.
    page.locator("input[name=redactions]").evaluate(
        "(field, value) => { field.value = value; field.dispatchEvent(new Event('input')); }", value
    )


def test_editor_blurs_a_face_and_sets_the_focal_point_by_pointer_and_keyboard(new_page, site, shots):
    page = new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "editor", "loupe-editor-demo")
    page.goto(f"/admin/galleries/photo/{draft_photo_id(site)}/change/")
    image = page.locator(".loupe-framer-image")
    page.wait_for_function("() => document.querySelector('.loupe-framer-image').naturalWidth > 0")
    set_redactions(page, "[]")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + box["width"] * x, box["y"] + box["height"] * y

    # Drag across a face: one blur area, written into the field the form saves.
    page.mouse.move(*at(0.3, 0.3))
    page.mouse.down()
    page.mouse.move(*at(0.4, 0.4), steps=4)
    page.mouse.move(*at(0.5, 0.55), steps=4)
    page.mouse.up()
    (area,) = areas(page)
    assert abs(area["x"] - 0.3) < 0.02 and abs(area["y"] - 0.3) < 0.02
    assert abs(area["w"] - 0.2) < 0.02 and abs(area["h"] - 0.25) < 0.02
    assert page.locator(".loupe-framer-area[aria-pressed=true]").count() == 1

    # A click sets the focal point.
    page.mouse.click(*at(0.75, 0.4))
    assert abs(float(page.locator("input[name=focal_x]").input_value()) - 0.75) < 0.02
    assert abs(float(page.locator("input[name=focal_y]").input_value()) - 0.4) < 0.02
    shots(page, "drawn")

    # Keyboard only: add an area, move it, resize it, delete it.
    page.get_by_role("button", name="Add blur area").click()
    assert len(areas(page)) == 2
    added = areas(page)[1]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    moved = areas(page)[1]
    assert abs(moved["x"] - added["x"] - 0.01) < 0.001 and abs(moved["h"] - added["h"] - 0.01) < 0.001
    expect(page.locator(".loupe-framer [role=status]")).to_contain_text("Blur area 2 of 2")
    page.keyboard.press("Delete")
    assert areas(page) == [area]

    # A new value in the field redraws the photo: the field stays the source of truth.
    set_redactions(page, '[{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}, ' + json.dumps(area)[1:-1].join("{}") + "]")
    assert page.locator(".loupe-framer-area").count() == 2

    page.locator("input[name=_continue]").click()
    page.wait_for_selector(".messagelist .success")
    saved = areas(page)
    assert len(saved) == 2 and saved[1] == area
    assert page.locator(".loupe-framer-area").count() == 2
    shots(page, "saved")
    assert not [e for e in errors if "Content Security Policy" in e], errors
