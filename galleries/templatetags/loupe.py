from django import template

from galleries.markup import plain_text, render_markup, without_control_characters
from galleries.publication import publication_progress

register = template.Library()

register.filter("markup", render_markup)
register.filter("plaintext", plain_text)
register.filter("xml_text", without_control_characters)
register.simple_tag(publication_progress, name="publication_progress")


@register.filter
def card_picture(gallery):
    """The cover of a gallery loaded with for_listing(), as a Picture (or None)."""
    from galleries.presentation import build_picture

    return build_picture(gallery.cover) if gallery.cover_id else None
