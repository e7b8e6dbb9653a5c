from django import forms
from django.conf import settings

from galleries.text import TypedTextField


class CommentForm(forms.Form):
    # The labels of required fields carry this class, which the stylesheet marks; the inputs carry `required`.
    required_css_class = "required"

    body = TypedTextField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text; web addresses become links.",
        error_messages={"required": "Write your comment before posting it."},
    )
    author_name = TypedTextField(
        label="Name",
        max_length=80,
        help_text="Shown with your comment.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Give the name to show with your comment."},
    )
    # 254, the longest address mail can deliver to, and the length of the column.
    author_email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text=(
            "Never shown to readers. Moderators use it to keep the conversation civil, "
            "and we email you about your comment only if you tick the box below."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Give your email address; it is never shown."},
    )
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
        kwargs.setdefault("label_suffix", "")
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


class ReportForm(forms.Form):
    # Both optional here: report_comment() says what is missing, in the words the report page shows.
    reason = forms.CharField(required=False)
    note = TypedTextField(required=False, widget=forms.Textarea)
