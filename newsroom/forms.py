from django import forms
from django.conf import settings

from galleries.text import TypedTextField


class CommentForm(forms.Form):
    body = TypedTextField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text; web addresses become links.",
    )
    author_name = TypedTextField(label="Name", max_length=80, required=False, help_text="Shown with your comment.")
    # 254, the longest address mail can deliver to, and the length of the column.
    author_email = forms.EmailField(label="Email", max_length=254, required=False, help_text="Never shown.")
    notify = forms.BooleanField(label="Email me when my comment is published or gets a reply", required=False)
    # Hidden from people by CSS and labelled for screen readers; bots fill it in.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)
    gallery = forms.IntegerField(widget=forms.HiddenInput)
    item = forms.IntegerField(widget=forms.HiddenInput, required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["author_name"], self.fields["author_email"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        limit = settings.LOUPE_COMMENT_MAX_LENGTH
        if len(body) > limit:
            raise forms.ValidationError(f"Comments can be at most {limit} characters; yours has {len(body)}.")
        return body

    def clean(self):
        cleaned = super().clean()
        if self.user is None or not self.user.is_authenticated:
            if not cleaned.get("author_name"):
                self.add_error("author_name", "Give the name to show with your comment.")
            if not cleaned.get("author_email") and "author_email" not in self.errors:
                self.add_error("author_email", "Give your email address; it is never shown.")
        return cleaned


class ReportForm(forms.Form):
    # Both optional here: report_comment() says what is missing, in the words the report page shows.
    reason = forms.CharField(required=False)
    note = TypedTextField(required=False, widget=forms.Textarea)
