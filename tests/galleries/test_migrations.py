import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("galleries", "0004_reader_votes_and_day_stats"),
    ("newsroom", "0002_comments_reports_votes_bans_word_rules"),
]
AFTER_THE_MOVE = [
    ("galleries", "0005_move_photographer_and_audit_event"),
    ("newsroom", "0003_move_photographer_and_audit_event_to_galleries"),
]


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    yield migrate_to
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_moving_photographers_and_the_audit_log_to_galleries_keeps_rows_links_and_permissions(migrator):
    old = migrator(BEFORE_THE_MOVE)
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    Group = old.get_model("auth", "Group")
    Photographer = old.get_model("newsroom", "Photographer")
    photographer = Photographer.objects.create(name="Amara Okafor", slug="amara-okafor")
    gallery = old.get_model("galleries", "Gallery").objects.create(title="Harvest", slug="harvest")
    gallery.photographers.add(photographer)
    photographer_type = ContentType.objects.get_or_create(app_label="newsroom", model="photographer")[0]
    old.get_model("newsroom", "AuditEvent").objects.create(
        action="photographer.imported", target_type=photographer_type, target_id=str(photographer.pk)
    )
    change = Permission.objects.get_or_create(
        content_type=photographer_type, codename="change_photographer", defaults={"name": "Can change photographer"}
    )[0]
    Group.objects.get(name="Editors").permissions.add(change)

    new = migrator(AFTER_THE_MOVE)

    moved = new.get_model("galleries", "Photographer").objects.get(slug="amara-okafor")
    assert list(new.get_model("galleries", "Gallery").objects.get(slug="harvest").photographers.all()) == [moved]
    event = new.get_model("galleries", "AuditEvent").objects.get(action="photographer.imported")
    assert (event.target_type.app_label, event.target_type.model, event.target_id) == (
        "galleries",
        "photographer",
        str(moved.pk),
    )
    editors = new.get_model("auth", "Group").objects.get(name="Editors")
    assert editors.permissions.filter(content_type__app_label="galleries", codename="change_photographer").exists()
    assert not new.get_model("contenttypes", "ContentType").objects.filter(app_label="newsroom", model="photographer")


def test_the_move_can_be_undone(migrator):
    migrator(AFTER_THE_MOVE)
    new = migrator(AFTER_THE_MOVE)
    new.get_model("galleries", "Photographer").objects.create(name="Lin Wei", slug="lin-wei")

    old = migrator(BEFORE_THE_MOVE)

    assert old.get_model("newsroom", "Photographer").objects.filter(slug="lin-wei").exists()
