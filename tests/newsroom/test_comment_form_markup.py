import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines

from newsroom.comments import CommentForm

pytestmark = pytest.mark.django_db

# The form as Django's own field and widget templates write it.
DJANGO_MARKUP = engines["django"].from_string(
    "{% for hidden in form.hidden_fields %}{{ hidden }}{% endfor %}"
    "{{ form.body.as_field_group }}"
    "{% if 'author_name' in form.fields %}{{ form.author_name.as_field_group }}"
    "{{ form.author_email.as_field_group }}{% endif %}"
    "{{ form.website.label_tag }} {{ form.website }}{{ form.notify }} {{ form.notify.label_tag }}"
)
OUR_MARKUP = engines["django"].from_string(
    "{% with html=form.html %}{{ html.hidden }}{{ html.body }}{{ html.author_name }}{{ html.author_email }}"
    "{{ html.website_label }} {{ html.website_widget }}{{ html.notify_widget }} {{ html.notify_label }}{% endwith %}"
)


def _same(form) -> None:
    def normal(html: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()

    assert normal(OUR_MARKUP.render({"form": form})) == normal(DJANGO_MARKUP.render({"form": form}))


def test_a_new_comment_form_is_written_as_django_writes_it():
    _same(CommentForm(user=AnonymousUser(), initial={"gallery": 4, "item": None, "stamp": "signed:stamp"}))


def test_a_refused_comment_form_keeps_its_values_and_errors_as_django_writes_them():
    form = CommentForm(
        {"body": "", "author_name": 'Ann "A" <b>', "author_email": "not an address", "website": "x<y", "notify": "on"},
        user=AnonymousUser(),
    )
    assert not form.is_valid()
    _same(form)


def test_a_signed_in_readers_form_is_written_as_django_writes_it(reader):
    _same(CommentForm({"body": "Fine <light> & shade", "gallery": "1", "parent": "7"}, user=reader))


def test_new_forms_written_once_keep_each_readers_fields_and_values(reader):
    CommentForm(user=reader, initial={"gallery": 1, "stamp": "first"}).html()
    anonymous = CommentForm(user=AnonymousUser(), initial={"gallery": 2, "stamp": "second"})
    signed_in = CommentForm(user=reader, initial={"gallery": 3, "stamp": "third"})

    assert 'name="author_name"' in anonymous.html()["author_name"]
    assert "author_name" not in signed_in.html()
    assert 'value="2"' in anonymous.html()["hidden"] and 'value="second"' in anonymous.html()["hidden"]
    assert 'value="3"' in signed_in.html()["hidden"] and 'value="third"' in signed_in.html()["hidden"]
    _same(anonymous)
    _same(signed_in)


def test_a_new_form_with_words_already_in_it_is_written_for_itself():
    CommentForm(user=AnonymousUser(), initial={"gallery": 1}).html()
    form = CommentForm(user=AnonymousUser(), initial={"gallery": 1, "body": "Dear editors,"})

    assert "Dear editors," in form.html()["body"]
    _same(form)
