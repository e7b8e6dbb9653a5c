"""Text as people type, paste and import it, cleaned once where it enters Loupe, and made fit for XML where it leaves.

Where text enters:
- typed into a form: every form field that takes typed text is a `TypedTextField`;
- saved on a model: every model with typed text derives from `TypedText`, which cleans in `clean_fields()` (so
  admin forms validate what will be stored) and in `save()` (so domain functions, commands and imports store
  clean text whoever calls them);
- read from a file's metadata: `galleries.ingest` runs `imported_text()` over what imaging read.
Where text leaves as XML (feeds, sitemaps), `without_control_characters` drops what XML 1.0 cannot carry, for text
stored before this cleaning existed or written around the models (`QuerySet.update`).

What goes:
- control characters (C0 but tab and line breaks, DEL, C1): no writer means them, PostgreSQL refuses NUL, XML
  refuses the C0 ones, and a vertical tab pasted from a word processor is invisible in the form;
- invisible tricks: the bidi embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069) that make "gpj.exe"
  read as "exe.jpg" or a name read as someone else's, the directional marks, zero-width spaces, word joiners, byte
  order marks, soft hyphens and every other invisible format character (Unicode category Cf) that hides inside a
  word to dodge the word rules or to make two names look alike.
What stays, because a script or an emoji needs it:
- zero-width non-joiner and joiner (U+200C, U+200D) between two letters or marks of a script that shapes words
  with them (Persian, Arabic, the Indic scripts; not Latin, Greek or Cyrillic, where they only hide), and the joiner
  between two emoji, which builds sequences such as families and professions with a skin tone;
- the emoji tag characters of a subdivision flag (U+1F3F4 followed by tags ending in U+E007F);
- the visible number signs of Arabic, Syriac and Kaithi (U+0600 to U+0605 and kin), which are format characters only
  by their Unicode category.
Right-to-left text needs none of what goes: the browser orders Arabic and Hebrew by their letters, and a reader's
name is isolated from its surroundings in the page with <bdi>.
"""

import re
import unicodedata

from django import forms
from django.db import models

# C0 controls but tab, line feed and carriage return, and DEL: no writer means them, PostgreSQL refuses NUL in
# text, and XML (feeds, sitemaps) allows none of them.
CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL_CHARACTERS = re.compile(f"[{CONTROLS}]")
_LINE_BREAKS = re.compile(r"[\t\r\n\x85\u2028\u2029]+")
_JOINERS = "\u200c\u200d"
_SUBDIVISION_FLAG = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)")
# Unicode's format characters (category Cf) but the visible number signs; a test holds the list to Unicode's.
_INVISIBLE = (
    r"\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    r"\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNWANTED = re.compile(f"[{CONTROLS}\x80-\x9f{_INVISIBLE}]")


def without_control_characters(text: str, replacement: str = "") -> str:
    """Text as XML can carry it: control characters other than tab and line breaks replaced (removed by default)."""
    return _CONTROL_CHARACTERS.sub(replacement, text)


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def texts_without_control_characters(value):
    """`value` with control characters removed from every text in it, however deep in lists, tuples and dicts."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, list | tuple):
        return type(value)(texts_without_control_characters(part) for part in value)
    if isinstance(value, dict):
        return {key: texts_without_control_characters(part) for key, part in value.items()}
    return value


def one_line(text: str) -> str:
    """Text for a mail subject: no control characters, and a space for each run of line breaks."""
    return _LINE_BREAKS.sub(" ", without_control_characters(text))


def _emoji(character: str) -> bool:
    # Pictographs, skin tones and the emoji presentation selector: what emoji sequences join.
    return unicodedata.category(character) in ("So", "Sk") or character == "\ufe0f"


def _joining_letter(character: str) -> bool:
    # Letters and marks of the scripts that shape words with a joiner; Latin, Greek and Cyrillic never need one.
    return unicodedata.category(character)[0] in "LM" and not unicodedata.name(character, "").startswith(
        ("LATIN", "GREEK", "CYRILLIC", "COMBINING", "FULLWIDTH", "MODIFIER LETTER")
    )


def _keep_or_drop(match: re.Match) -> str:
    character, text, start, end = match.group(), match.string, match.start(), match.end()
    if character in _JOINERS and start > 0 and end < len(text):
        before, after = text[start - 1], text[end]
        if (_emoji(before) and _emoji(after)) or (_joining_letter(before) and _joining_letter(after)):
            return character
    return ""


def _without_invisible_characters(text: str) -> str:
    # Split around subdivision flags, whose tag characters are kept: the flags sit at the odd places.
    parts = _SUBDIVISION_FLAG.split(text)
    parts[::2] = (_UNWANTED.sub(_keep_or_drop, part) for part in parts[::2])
    return "".join(parts)


def typed_text(text: str, *, one_line: bool = False) -> str:
    """`text` as Loupe keeps what people type: no control characters, no invisible tricks; a line if `one_line`.

    One-line text (names, titles, reasons) gets a space for each run of line breaks and tabs: a title with a line
    break would break the mail subjects that carry it.
    """
    if _UNWANTED.search(text):
        text = _without_invisible_characters(text)
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    return text


def imported_text(text: str, *, one_line: bool = False) -> str:
    """Text read from a file's metadata, as Loupe keeps it: cleaned as typed text, without surrounding space."""
    return typed_text(text, one_line=one_line).strip()


class TypedText(models.Model):
    """A model whose text people type, paste or import: its text is cleaned before it is checked and saved.

    A CharField is one line (a title, a name, a reason), a TextField keeps its line breaks.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Every road that saves a row, not only forms: domain functions called from commands, imports, the demo.
        self.clean_typed_text()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.clean_typed_text(exclude=exclude)
        super().clean_fields(exclude=exclude)

    def clean_typed_text(self, exclude=None) -> None:
        """Clean every text field in place; for rows written without save(), such as bulk_create()."""
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str) and isinstance(field, models.CharField | models.TextField):
                setattr(self, field.attname, typed_text(value, one_line=isinstance(field, models.CharField)))


class TypedTextField(forms.CharField):
    """A form field for text people type: cleaned as `typed_text()` before it is stripped and validated.

    One line unless its widget is a textarea. Cleaning comes first, so a name of nothing but invisible characters
    is refused as empty and a length limit counts what will be kept.
    """

    def to_python(self, value):
        if isinstance(value, str):
            value = typed_text(value, one_line=not isinstance(self.widget, forms.Textarea))
        return super().to_python(value)
