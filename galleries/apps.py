from django.apps import AppConfig
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate

from galleries.roles import sync_roles


def _top_up_roles(*, using, apps=None, **kwargs) -> None:
    # Models added after the roles migration (comments, say) get their permissions only after migrate
    # ends; give the groups what they are missing then, and after test flushes too. Never removes any.
    if ("galleries", "0003_create_roles") not in MigrationRecorder(connections[using]).applied_migrations():
        return  # the roles were migrated away (or not yet in): leave them so
    apps = apps or global_apps
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    sync_roles(apps=apps, exact=False)


class GalleriesConfig(AppConfig):
    name = "galleries"
    verbose_name = "Galleries"

    def ready(self) -> None:
        from galleries import (
            history,  # noqa: F401  (registers models with django-reversion)
            signing,  # noqa: F401  (registers the signing check)
            storage,  # noqa: F401  (registers the storage check)
        )

        post_migrate.connect(_top_up_roles, sender=self, dispatch_uid="galleries.top_up_roles")
