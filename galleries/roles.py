"""The newsroom's roles as Django groups, each with an explicit list of the permissions it holds.

`manage.py sync_roles` makes the groups hold exactly these; after every migrate they get what they are missing
(see GalleriesConfig). Moderators' permissions are newsroom's models, named here by label only: galleries
imports nothing from newsroom.
"""

from django.apps import apps as global_apps

PHOTOGRAPHERS = "Photographers"
STAFF_PHOTOGRAPHERS = "Staff photographers"
EDITORS = "Editors"
MODERATORS = "Moderators"

_CRUD = ("add", "change", "delete", "view")

# The whole library, other people's unpublished photos and drafts included: picture editors and staff
# photographers, never every contributor and freelancer (see galleries.access).
BROWSE_LIBRARY = ("galleries", "browse_library")

_PHOTOGRAPHER_MODELS = [
    ("galleries", "photo", ("add", "change", "view")),
    ("galleries", "gallery", ("add", "change", "view")),
    # Delete, so a photographer can take a photo back out of a draft.
    ("galleries", "item", ("add", "change", "delete", "view")),
    ("galleries", "photographer", ("view",)),
    ("galleries", "section", ("view",)),
    ("galleries", "tag", ("view",)),
]

# (app_label, model, actions) and custom (app_label, codename). Photographers never get a permission that
# moves a gallery past review: what they may do to a gallery is further limited by workflow.can_edit_gallery.
ROLES: dict[str, dict[str, list]] = {
    PHOTOGRAPHERS: {
        "models": _PHOTOGRAPHER_MODELS,
        "custom": [("galleries", "submit_gallery")],
    },
    STAFF_PHOTOGRAPHERS: {
        "models": _PHOTOGRAPHER_MODELS,
        "custom": [("galleries", "submit_gallery"), BROWSE_LIBRARY],
    },
    EDITORS: {
        "models": [
            ("galleries", "photo", _CRUD),
            ("galleries", "gallery", _CRUD),
            ("galleries", "item", _CRUD),
            ("galleries", "gallerylink", _CRUD),
            ("galleries", "faqentry", _CRUD),
            ("galleries", "correctionnote", ("add", "change", "view")),
            ("galleries", "previewlink", ("add", "change", "view")),
            ("galleries", "rendition", ("view",)),
            ("galleries", "section", _CRUD),
            ("galleries", "tag", _CRUD),
            ("galleries", "photographer", _CRUD),
            ("galleries", "auditevent", ("view",)),
            # Partners' keys to the read API: made and revoked, never deleted.
            ("api", "apikey", ("add", "change", "view")),
            ("reversion", "revision", ("view",)),
            ("reversion", "version", ("view",)),
        ],
        "custom": [
            ("galleries", "submit_gallery"),
            ("galleries", "approve_gallery"),
            ("galleries", "publish_gallery"),
            ("galleries", "take_down_photo"),
            BROWSE_LIBRARY,
            # The standards queue, with the names and addresses of the people who wrote in.
            ("galleries", "handle_person_request"),
        ],
    },
    MODERATORS: {
        "models": [
            ("newsroom", "comment", _CRUD),
            ("newsroom", "commentreport", _CRUD),
            # Readers' votes are theirs: moderators may look, not change them.
            ("newsroom", "commentvote", ("view",)),
            ("newsroom", "ban", _CRUD),
            ("newsroom", "wordrule", _CRUD),
        ],
        "custom": [("newsroom", "moderate_comments")],
    },
}


def role_permissions(role: str, *, apps=global_apps) -> list:
    """The permission rows a role should hold, among those that exist in the database now."""
    Permission = apps.get_model("auth", "Permission")
    spec = ROLES[role]
    wanted = [(app_label, f"{action}_{model}") for app_label, model, actions in spec["models"] for action in actions]
    wanted += list(spec["custom"])
    found = []
    for app_label, codename in wanted:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            found.append(permission)
    return found


def sync_roles(*, apps=global_apps, exact: bool = True) -> None:
    """Create the groups; `exact` replaces their permissions, otherwise only missing ones are added."""
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        permissions = role_permissions(role, apps=apps)
        if exact:
            group.permissions.set(permissions)
        else:
            group.permissions.add(*permissions)
