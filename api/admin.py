"""Editors make partners' API keys here, see each key's use, and revoke keys."""

from django.contrib import admin, messages
from django.http import HttpRequest

from api.keys import create_api_key, revoke_api_key
from api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "rate_limit", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = ["name", "scope", "rate_limit", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A key's scope and holder are what it was made for: a different use is a new key.
        return [*self.readonly_fields, "scope"] if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Revoked, never deleted: the audit log and last-used time keep telling what the key did.
        return False

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["name", "rate_limit"])
            return
        key, raw = create_api_key(name=obj.name, by=request.user, rate_limit=obj.rate_limit)
        obj.pk, obj.key_hash, obj.prefix = key.pk, key.key_hash, key.prefix
        messages.warning(
            request,
            f"The key for {key.name} is {raw} — copy it now and send it to the partner safely: "
            "it is shown only this once, and Loupe keeps only a hash of it.",
        )

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_api_key(key=key, by=request.user)
        self.message_user(request, "The selected keys are revoked; requests with them are refused.")
