from django.contrib import admin

from galleries.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: readable by those allowed to view it, never changed or deleted through the admin."""

    list_display = ["created_at", "actor", "action", "target_type", "target_repr", "from_state", "to_state", "note"]
    list_filter = ["action", "target_type"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["target_repr", "note", "actor__username", "action"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
