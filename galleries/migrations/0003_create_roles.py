from django.contrib.auth.management import create_permissions
from django.db import migrations

from galleries.roles import ROLES, sync_roles


def create_roles(apps, schema_editor):
    # On a fresh database permissions only appear after the last migration; make them now so the
    # groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps=apps, exact=True)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("galleries", "0002_gallery_permissions_and_preview_links"),
        ("newsroom", "0002_comments_reports_votes_bans_word_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
