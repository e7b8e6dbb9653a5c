"""The public side of requests from the people pictured: the form linked from each photo page, and its answer.

No account, no cookie, no tracking: the form carries a signed stamp instead of a CSRF cookie, its POST must
come from this site (`same_origin_post`), and readers' addresses are only counted, hashed, for the rate limit.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from galleries.headers import mark_private
from galleries.models import Item, PersonRequest
from galleries.origins import same_origin_post
from galleries.ratelimit import allow, client_ip, hash_ip
from galleries.standards import REQUESTS_PER_HOUR, RequestRefused, check_stamp, file_person_request, issue_stamp
from galleries.text import TypedTextField


class PersonRequestForm(forms.Form):
    name = TypedTextField(label="Your name", max_length=200, help_text="So our editors know whom they answer.")
    relation = forms.ChoiceField(
        label="Who you are", choices=PersonRequest.Relation.choices, widget=forms.RadioSelect, initial="pictured"
    )
    ask = forms.ChoiceField(label="What you ask", choices=PersonRequest.Ask.choices, widget=forms.RadioSelect)
    details = TypedTextField(
        label="Details",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Where you are in the photo, what is wrong in the caption, or why it puts you at risk.",
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="Only for our answer; never shown, never used for anything else.",
    )
    # Hidden from people by CSS and labelled for screen readers; bots fill it in.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_website(self) -> str:
        if self.cleaned_data["website"].strip():
            raise forms.ValidationError("Leave this field empty.")
        return ""


def _item(slug: str, pk: int) -> Item:
    # Only photos readers can see: the form of an unpublished photo does not exist.
    return get_object_or_404(Item.objects.published().select_related("gallery", "photo"), pk=pk, gallery__slug=slug)


def _page(request: HttpRequest, item: Item, form: PersonRequestForm, *, status: int = 200) -> HttpResponse:
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        # A form sent back with its reasons gets a fresh stamp, so the person can send it again.
        data["stamp"] = issue_stamp(item=item)
        form.data = data
    else:
        form.initial["stamp"] = issue_stamp(item=item)
    context = {"item": item, "gallery": item.gallery, "form": form, "photo_url": item.get_absolute_url()}
    response = render(request, "galleries/person_request_form.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return mark_private(response)


@same_origin_post  # Stands in for Django's CSRF cookie: the form sets no cookie at all.
@require_http_methods(["GET", "HEAD", "POST"])
def ask_about_photo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _item(slug, pk)
    if request.method != "POST":
        return _page(request, item, PersonRequestForm())
    ip_hash = hash_ip(client_ip(request))
    if not allow(f"person-request:{ip_hash}", limit=REQUESTS_PER_HOUR, window=3600):
        response = render(request, "galleries/person_request_limited.html", {"item": item}, status=429)
        response["Retry-After"] = "3600"
        return mark_private(response)
    form = PersonRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, item, form, status=400)
    data = form.cleaned_data
    try:
        check_stamp(stamp=data["stamp"], item=item, ip_hash=ip_hash)
    except RequestRefused as refusal:
        form.add_error(None, str(refusal))
        return _page(request, item, form, status=400)
    person_request = file_person_request(
        item=item,
        name=data["name"],
        relation=data["relation"],
        ask=data["ask"],
        details=data["details"],
        email=data["email"],
    )
    # Answered here, not by a redirect to an address: no public URL ever leads to a request.
    context = {"person_request": person_request, "item": item, "gallery": item.gallery}
    response = render(request, "galleries/person_request_received.html", context)
    response["X-Robots-Tag"] = "noindex"
    return mark_private(response)
