import sys
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from galleries.folders import import_gallery_folder
from galleries.models import Gallery, Item, Photographer
from galleries.text import TypedTextField, typed_text
from tests.factories import published_gallery
from tests.galleries.test_import_export import make_folder

ARABIC = "مصورة من بيروت، تعمل على ضفاف النهر"
HEBREW = "צלמת מתל אביב"
PERSIAN = "می\u200cخواهم"  # noqa: RUF001 -- the zero-width non-joiner is part of the word
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
ARABIC_NUMBER = "\u0600١٢٣"  # noqa: RUF001 -- the number sign is a format character that shows


@pytest.mark.parametrize("text", [ARABIC, HEBREW, PERSIAN, FAMILY, SCOTLAND, "नमस्ते", "क्\u200dष", ARABIC_NUMBER])
def test_right_to_left_text_and_the_joiners_scripts_and_emoji_need_survive(text):
    assert typed_text(text) == text
    assert typed_text(text, one_line=True) == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("\u202eexe.jpg", "exe.jpg"),  # right-to-left override
        ("Amara\u202c", "Amara"),  # pop directional formatting
        ("\u202aAmara\u202b", "Amara"),  # embeddings
        ("\u2066Amara\u2069 \u2067x\u2068", "Amara x"),  # isolates
        ("Am\u200bara", "Amara"),  # zero-width space
        ("Am\u200dara", "Amara"),  # a joiner inside a Latin word only hides
        ("s\u200cpam", "spam"),
        ("sp\u2060am\ufeff", "spam"),  # word joiner, byte order mark
        ("sp\xadam", "spam"),  # soft hyphen
        ("\u200fAmara\u200e", "Amara"),  # directional marks
        ("\u200d\U0001f468", "\U0001f468"),  # a joiner with nothing to join
        ("x\U000e0067y", "xy"),  # a tag character outside a flag
        (f"{ARABIC}\u202e", ARABIC),
        (f"\u2067{HEBREW}\u2069", HEBREW),
    ],
)
def test_invisible_tricks_are_removed(text, kept):
    assert typed_text(text) == kept


def test_control_characters_go_and_line_breaks_stay_unless_the_text_is_one_line():
    text = "Ferry\x00 at\x0b dawn\x7f\x85.\n\nThe\ttide."

    assert typed_text(text) == "Ferry at dawn.\n\nThe\ttide."
    assert typed_text(text, one_line=True) == "Ferry at dawn. The tide."


def test_every_invisible_format_character_unicode_knows_is_removed_but_the_visible_number_signs():
    visible = {"\u0600", "\u0601", "\u0602", "\u0603", "\u0604", "\u0605", "\u06dd", "\u070f", "\u0890", "\u0891"}
    visible |= {"\u08e2", "\U000110bd", "\U000110cd"}
    kept = [
        f"U+{ord(c):04X}"
        for c in map(chr, range(sys.maxunicode + 1))
        if unicodedata.category(c) == "Cf" and c not in visible and typed_text(f"x{c}y") != "xy"
    ]
    assert kept == []


def test_a_form_field_refuses_a_name_of_nothing_but_invisible_characters():
    field = TypedTextField(max_length=5)

    assert field.clean(" \u202eAda\u200b\n") == "Ada"
    with pytest.raises(ValidationError, match="required"):
        field.clean("\u200b\u202e\x00")


@pytest.mark.django_db
def test_names_typed_into_the_admin_lose_invisible_tricks_and_keep_arabic_and_hebrew(client, editor):
    client.force_login(editor)

    response = client.post(
        reverse("admin:galleries_photographer_add"),
        {"name": "\u202eLoupe\u202c Desk\u200b", "slug": "desk", "bio": f"{ARABIC}\u2067\n\n{HEBREW}"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    photographer = Photographer.objects.get(slug="desk")
    assert (photographer.name, photographer.bio) == ("Loupe Desk", f"{ARABIC}\n\n{HEBREW}")


@pytest.mark.django_db
def test_the_admin_refuses_a_name_of_nothing_but_invisible_characters(client, editor):
    client.force_login(editor)

    response = client.post(reverse("admin:galleries_photographer_add"), {"name": "\u202e\u200b\u2066", "slug": "x"})

    assert response.status_code == 200 and not Photographer.objects.exists()
    assert "name" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_a_folder_import_cleans_captions_it_writes_without_saving_each_item(tmp_path, editor):
    rows = [{"file": "river-01.jpg", "headline": f"{HEBREW}\u200b", "caption": "A ferry\u202e crossing."}]

    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=1, rows=rows), by=editor)

    item = Item.objects.get(gallery=gallery)
    assert (item.headline, item.caption) == (HEBREW, "A ferry crossing.")


@pytest.mark.django_db
def test_feeds_keep_right_to_left_titles_and_drop_what_xml_cannot_carry(client):
    gallery = published_gallery(items=1)
    Gallery.objects.filter(pk=gallery.pk).update(title=f"{ARABIC}\x0b")  # stored around the models' cleaning

    for address in (reverse("galleries:rss"), reverse("galleries:atom"), "/sitemap-news.xml"):
        response = client.get(address)
        ET.fromstring(response.content)  # noqa: S314 -- our own feed
        assert ARABIC in response.text, address
