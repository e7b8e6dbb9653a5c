import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from newsroom.privacy import comments_of, erase_commenter_data, export_commenter_data


class Command(BaseCommand):
    help = "Export (JSON on stdout) or erase the personal data of a commenter, found by email address."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("email")

    def handle(self, *args, action: str, email: str, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        if not comments_of(email).exists():
            raise CommandError(f"No comments were posted with {email}.")
        if action == "export":
            self.stdout.write(json.dumps(export_commenter_data(email=email), indent=2, ensure_ascii=False))
            return
        count = erase_commenter_data(email=email)
        self.stderr.write(f"Erased {count} comment(s) by {email}: names and words replaced with “[removed]”.")
