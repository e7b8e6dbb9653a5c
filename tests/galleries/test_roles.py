from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from galleries.roles import ROLES, sync_roles

pytestmark = pytest.mark.django_db


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migration_creates_the_three_groups():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_photographers_build_galleries_but_never_approve_or_publish():
    permissions = codenames("Photographers")
    assert {
        "galleries.add_photo",
        "galleries.change_photo",
        "galleries.add_gallery",
        "galleries.change_gallery",
        "galleries.add_item",
        "galleries.submit_gallery",
        "galleries.view_photographer",
        "galleries.view_section",
        "galleries.view_tag",
    } <= permissions
    assert not permissions & {
        "galleries.approve_gallery",
        "galleries.publish_gallery",
        "galleries.delete_gallery",
        "galleries.delete_photo",
        "galleries.add_correctionnote",
        "galleries.change_section",
        "galleries.change_photographer",
        "newsroom.moderate_comments",
    }


def test_editors_hold_everything_editorial_and_can_read_the_audit_log():
    permissions = codenames("Editors")
    assert {
        "galleries.approve_gallery",
        "galleries.publish_gallery",
        "galleries.delete_gallery",
        "galleries.add_correctionnote",
        "galleries.change_tag",
        "galleries.change_section",
        "galleries.change_photographer",
        "galleries.view_auditevent",
    } <= permissions
    assert "galleries.change_auditevent" not in permissions
    assert "newsroom.moderate_comments" not in permissions


def test_moderators_hold_comment_permissions_only():
    permissions = codenames("Moderators")
    assert {"newsroom.moderate_comments", "newsroom.change_comment", "newsroom.view_commentreport"} <= permissions
    assert "newsroom.change_commentvote" not in permissions
    assert all(p.split(".")[0] == "newsroom" for p in permissions)
    assert not any("gallery" in p or "photo" in p for p in permissions)


def test_persona_permissions_come_from_the_groups(editor, photographer_user, moderator):
    assert editor.has_perm("galleries.publish_gallery")
    assert not photographer_user.has_perm("galleries.publish_gallery")
    assert moderator.has_perm("newsroom.moderate_comments")
    assert not moderator.has_perm("galleries.change_gallery")


def test_sync_roles_restores_exact_permissions():
    Group.objects.get(name="Photographers").permissions.clear()
    sync_roles()
    assert "galleries.submit_gallery" in codenames("Photographers")


def test_sync_roles_command_gives_each_group_exactly_its_listed_permissions():
    stray = Permission.objects.get(content_type__app_label="galleries", codename="delete_gallery")
    Group.objects.get(name="Photographers").permissions.add(stray)
    Group.objects.get(name="Moderators").delete()

    call_command("sync_roles", stdout=StringIO())

    assert "galleries.delete_gallery" not in codenames("Photographers")
    assert "newsroom.moderate_comments" in codenames("Moderators")


def test_sync_roles_add_only_keeps_what_a_group_was_given_by_hand():
    extra = Permission.objects.get(content_type__app_label="galleries", codename="delete_gallery")
    Group.objects.get(name="Photographers").permissions.add(extra)

    call_command("sync_roles", "--add-only", stdout=StringIO())

    assert "galleries.delete_gallery" in codenames("Photographers")


def test_moderators_hold_the_listed_comment_models_and_nothing_named_like_them():
    listed = {f"{app}.{action}_{model}" for app, model, actions in ROLES["Moderators"]["models"] for action in actions}

    assert codenames("Moderators") == listed | {"newsroom.moderate_comments"}
