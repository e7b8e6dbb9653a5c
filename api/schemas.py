"""What the API answers, as pydantic models: the OpenAPI document is generated from these."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Schema(BaseModel):
    # Plain pydantic: ninja's Schema also reads ORM objects, which the API never hands it, and that costs a
    # validator call per object (a thousand renditions in a long gallery).
    pass


class FieldError(Schema):
    location: str = Field(description="Where the bad value was: query or path.")
    field: str
    message: str


class Error(Schema):
    detail: str = Field(examples=["No published gallery has that slug."])
    errors: list[FieldError] = Field(default_factory=list, description="Each bad parameter, for a 400.")


class Gone(Error):
    reason: str = Field(
        description="For a gallery, the newsroom's reason for withdrawing it, as its page gives it; for a photo, "
        "that it was taken down."
    )


class LabelRef(Schema):
    slug: str = Field(examples=["world"])
    name: str = Field(examples=["World"])
    url: str = Field(description="Its page on the site.")
    galleries_url: str = Field(description="Its published galleries, through this API.")


class PhotographerRef(Schema):
    slug: str = Field(examples=["amara-okafor"])
    name: str = Field(examples=["Amara Okafor"])
    url: str
    api_url: str


class Rendition(Schema):
    url: str = Field(examples=["https://cdn.example.org/3f/3f2a….avif"])
    width: int = Field(examples=[1600])
    height: int = Field(examples=[1067])
    format: Literal["avif", "webp", "jpeg"]
    content_type: str = Field(examples=["image/avif"])
    size_bytes: int


class SocialCard(Schema):
    url: str
    width: int = Field(examples=[1200])
    height: int = Field(examples=[630])


class FocalPoint(Schema):
    x: float = Field(ge=0, le=1, description="From the left edge, as a fraction of the width.", examples=[0.5])
    y: float = Field(ge=0, le=1, description="From the top edge, as a fraction of the height.", examples=[0.4])


class Photo(Schema):
    id: int
    api_url: str
    width: int = Field(description="The original's upright width, in pixels; renditions are no larger.")
    height: int
    alt_text: str = Field(description="What the photo shows, for readers who cannot see it.")
    credit_line: str
    copyright: str
    taken_at: datetime | None
    place_name: str
    photographer: PhotographerRef | None
    focal_point: FocalPoint
    placeholder: str | None = Field(description="A tiny blurred data: URI to show while the photo loads.")
    dominant_color: str | None = Field(examples=["#3a5f7d"])
    digital_source_type: str | None = Field(
        description="What the file declares it is, as an IPTC digital source type (a camera capture, a scan, a "
        "composite, an image made by AI); null when it declares nothing.",
        examples=["http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"],
    )
    renditions: list[Rendition] = Field(description="Every public file of the photo, smallest first per format.")
    social_card: SocialCard | None = Field(
        description="The 1200x630 crop for link previews; null for a photo marked graphic, which never stands "
        "for a story uncovered."
    )


class Appearance(Schema):
    gallery: str = Field(description="The gallery's slug.")
    title: str
    item_id: int
    url: str
    api_url: str


class PhotoDetail(Photo):
    graphic: bool = Field(
        description="Marked graphic in a gallery: show it behind a warning until the reader chooses to see it, "
        "as the site does.",
        examples=[False],
    )
    appears_in: list[Appearance] = Field(description="Every published gallery that shows the photo.")


class Credentials(Schema):
    """What the photo page's Content Credentials disclosure tells readers; the files carry the signed manifest."""

    taken_by: str = Field(examples=["Amara Okafor"])
    taken_at: datetime | None
    captured_with: str | None = Field(
        description="The camera, when its signature at capture is valid.", examples=["Leica M11-P"]
    )
    capture_signed_by: str | None = Field(description="Who signed the capture, when that signature is valid.")
    source: str | None = Field(description="What the file declares it is, in words.", examples=["a camera capture"])
    published_by: str = Field(description="Who signed the published files.", examples=["Loupe"])
    published_at: datetime | None
    changes: list[str] = Field(
        description="What was changed before publication.",
        examples=[["resized and re-encoded for the web", "camera and location data removed"]],
    )


class Item(Schema):
    id: int
    number: int = Field(description="Its place in the gallery, from 1.", examples=[1])
    headline: str
    caption: str = Field(description="The caption as plain text.")
    caption_html: str = Field(description="The caption with its paragraphs, links and emphasis, sanitised.")
    alt_text: str
    credit: str
    url: str = Field(description="The photo's page in the gallery.")
    comments_url: str
    graphic: bool = Field(
        description="The photo is graphic: cover it with `graphic_warning` until the reader chooses to see it, "
        "as the site does. Never true when `photo` is null.",
        examples=[False],
    )
    graphic_warning: str | None = Field(
        description="The warning on its cover, when `graphic` is true.",
        examples=["Some readers may find it distressing."],
    )
    ai_label: bool = Field(
        description='Readers see the label "AI-generated image" with this photo: show it too.', examples=[False]
    )
    photo: Photo | None = Field(description="Null when the photo may not be used by this caller (see withheld).")
    credentials: Credentials | None = Field(
        description="The Content Credentials readers are shown for the photo; null when the site signs no files "
        "or the photo is withheld."
    )
    withheld: str | None = Field(
        description="Why the photo is left out, when it is: it was taken down, or (for partners) its usage rights "
        "do not allow syndication.",
        examples=[None],
    )


class GallerySummary(Schema):
    id: int
    slug: str = Field(examples=["night-shift"])
    title: str = Field(examples=["Night shift at the harbour"])
    kind: Literal["essay", "story"]
    dek: str
    url: str
    api_url: str
    published_at: datetime
    updated_at: datetime
    section: LabelRef | None
    tags: list[LabelRef]
    photographers: list[PhotographerRef]
    photo_count: int
    contains_graphic: bool = Field(description="Readers see `graphic_notice` before the first photo.")
    graphic_notice: str | None = Field(
        description="The notice, when `contains_graphic` is true.",
        examples=["Some readers may find them distressing; each is covered until you choose to show it."],
    )
    cover: Photo | None = Field(
        description="The photo that stands for the gallery, as on the site's cards: the chosen cover, else the "
        "first photo, of those neither taken down nor graphic (nor, for partners, withheld)."
    )


class Correction(Schema):
    text: str
    created_at: datetime


class FaqEntry(Schema):
    question: str
    answer: str


class MoreLink(Schema):
    label: str
    url: str


class GalleryDetail(GallerySummary):
    introduction: str = Field(description="As plain text.")
    introduction_html: str = Field(description="With its paragraphs, quotes, links and emphasis, sanitised.")
    disclosure: str = Field(examples=["This story contains affiliate links."])
    corrections: list[Correction] = Field(description="Dated notes of what was corrected, oldest first.")
    faq: list[FaqEntry]
    links: list[MoreLink]
    items: list[Item] = Field(description="The photos in the gallery's order.")
    social_card: SocialCard | None = Field(
        description="The gallery's link preview, as its page has it: never of a photo graphic or taken down."
    )
    comment_mode: Literal["open", "premoderated", "closed"]
    comments_url: str


class GalleryPage(Schema):
    results: list[GallerySummary]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")
    next_url: str | None


class Comment(Schema):
    id: int
    author_name: str
    body: str = Field(description="Plain text as the reader wrote it; escape it before showing it as HTML.")
    created_at: datetime
    depth: int = Field(description="0 for a comment, 1 and more for replies.")
    in_reply_to: int | None = Field(description="The comment this one answers, while that comment is visible.")


class Thread(Comment):
    replies: list[Comment] = Field(description="The thread's first visible replies, oldest first: 20 at most.")
    reply_count: int = Field(description="How many visible replies the thread has.", examples=[3])
    replies_url: str | None = Field(
        description="Every reply of the thread, page by page, when `replies` does not hold them all; else null."
    )


class ReplyPage(Schema):
    results: list[Comment] = Field(description="The thread's visible replies, at every depth, oldest first.")
    next_cursor: str | None
    next_url: str | None


class CommentPage(Schema):
    results: list[Thread] = Field(description="Top-level comments, newest first, each with its replies.")
    next_cursor: str | None
    next_url: str | None


class Label(LabelRef):
    pass


class LabelPage(Schema):
    results: list[Label]
    next_cursor: str | None
    next_url: str | None


class Photographer(PhotographerRef):
    bio: str
    agency: str
    website: str
    instagram: str
    social_links: list[str]


class PhotographerDetail(Photographer):
    galleries: list[GallerySummary] = Field(description="The latest published galleries, 20 at most.")
    galleries_url: str = Field(description="All their published galleries, page by page.")


class PhotographerPage(Schema):
    results: list[Photographer]
    next_cursor: str | None
    next_url: str | None


class Index(Schema):
    galleries: str
    photographers: str
    sections: str
    tags: str
    openapi: str
    docs: str
