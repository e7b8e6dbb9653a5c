from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles as they stood when this migration was first written, kept here so that it never changes with the
# application's code: galleries.roles and `manage.py sync_roles` say what the roles are today.
CRUD = ("add", "change", "delete", "view")
ROLES = {
    "Photographers": [
        ("galleries", "photo", ("add", "change", "view")),
        ("galleries", "gallery", ("add", "change", "view")),
        ("galleries", "item", ("add", "change", "delete", "view")),
        ("newsroom", "photographer", ("view",)),
        ("galleries", "section", ("view",)),
        ("galleries", "tag", ("view",)),
        ("galleries", "submit_gallery", None),
    ],
    "Editors": [
        ("galleries", "photo", CRUD),
        ("galleries", "gallery", CRUD),
        ("galleries", "item", CRUD),
        ("galleries", "gallerylink", CRUD),
        ("galleries", "faqentry", CRUD),
        ("galleries", "correctionnote", ("add", "change", "view")),
        ("galleries", "previewlink", ("add", "change", "view")),
        ("galleries", "rendition", ("view",)),
        ("galleries", "section", CRUD),
        ("galleries", "tag", CRUD),
        ("newsroom", "photographer", CRUD),
        ("newsroom", "auditevent", ("view",)),
        ("reversion", "revision", ("view",)),
        ("reversion", "version", ("view",)),
        ("galleries", "submit_gallery", None),
        ("galleries", "approve_gallery", None),
        ("galleries", "publish_gallery", None),
    ],
    "Moderators": [
        ("newsroom", "comment", CRUD),
        ("newsroom", "commentreport", CRUD),
        ("newsroom", "commentvote", ("view",)),
        ("newsroom", "ban", CRUD),
        ("newsroom", "wordrule", CRUD),
        ("newsroom", "moderate_comments", None),
    ],
}


def create_roles(apps, schema_editor):
    # On a fresh database permissions only appear after the last migration; make them now so the
    # groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, entries in ROLES.items():
        # (app, model, actions), or (app, codename, None) for a permission of its own.
        wanted = [
            (app_label, f"{action}_{name}" if actions else name)
            for app_label, name, actions in entries
            for action in actions or (None,)
        ]
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [
                permission
                for app_label, codename in wanted
                if (
                    permission := Permission.objects.filter(
                        content_type__app_label=app_label, codename=codename
                    ).first()
                )
                is not None
            ]
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    """0003_create_roles, which imported the live role lists, with the lists of its day written in instead.

    A database that ran 0003_create_roles has what this makes and runs nothing here.
    """

    replaces = [("galleries", "0003_create_roles")]

    dependencies = [
        ("galleries", "0002_gallery_permissions_and_preview_links"),
        ("newsroom", "0002_comments_reports_votes_bans_word_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
