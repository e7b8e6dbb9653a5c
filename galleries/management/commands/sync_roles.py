from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.core.management.base import BaseCommand

from galleries.roles import ROLES, role_permissions, sync_roles


class Command(BaseCommand):
    help = "Create the Photographers, Editors and Moderators groups and give each exactly its listed permissions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--add-only", action="store_true", help="Add missing permissions; take none away from the groups."
        )

    def handle(self, *args, add_only: bool = False, **options):
        # Permissions of models added since the last migrate exist only once created.
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        sync_roles(exact=not add_only)
        for role in ROLES:
            self.stdout.write(f"{role}: {len(role_permissions(role))} permissions")
