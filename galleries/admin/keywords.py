"""Keywords typed as words separated by commas (and shown as removable tags where JavaScript runs), not JSON."""

from django import forms

from galleries.text import without_control_characters


class KeywordsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Words or short phrases, separated by commas.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "loupe-tags vTextField", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(word) for word in value)
        return value

    def to_python(self, value) -> list[str]:
        # A pasted NUL would reach PostgreSQL, which cannot store it.
        text = without_control_characters(super().to_python(value))
        words = []
        for word in text.split(","):
            word = " ".join(word.split())[:100]
            if word and word.casefold() not in {w.casefold() for w in words}:
                words.append(word)
        return words

    def has_changed(self, initial, data) -> bool:
        return (initial or []) != self.to_python(data)
