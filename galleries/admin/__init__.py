"""The editors' admin, one module per purpose; importing them registers their model admins."""

from galleries.admin import audit, galleries, photographers, photos, standards, taxonomy  # noqa: F401
