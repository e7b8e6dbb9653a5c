from typing import Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from galleries.text import TypedText


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True)


class ApiKey(TypedText):
    """A partner's key to the read API. Only a hash of the key is stored: it is shown once, when made."""

    class Scope(models.TextChoices):
        READ = "read", "Read published content"

    name = models.CharField(max_length=200, help_text="Who the key is for, e.g. the partner's name and app.")
    scope = models.CharField(max_length=8, choices=Scope, default=Scope.READ)
    prefix = models.CharField(max_length=16, editable=False, help_text="The start of the key, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit = models.PositiveIntegerField(
        default=600,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Requests a minute this key may make.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(condition=models.Q(rate_limit__gte=1), name="apikey_rate_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
