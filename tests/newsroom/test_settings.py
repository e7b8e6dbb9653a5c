import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from galleries.provenance import make_test_chain
from newsroom.settings import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"


def run_check(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOUPE_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("FALSE", False)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("LOUPE_FLAG", raw)
    assert env_bool("LOUPE_FLAG", not expected) is expected


def test_env_bool_rejects_junk(monkeypatch):
    monkeypatch.setenv("LOUPE_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LOUPE_FLAG"):
        env_bool("LOUPE_FLAG", False)


def test_env_int_rejects_junk_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("LOUPE_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("LOUPE_NUMBER", 1)
    monkeypatch.setenv("LOUPE_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("LOUPE_NUMBER", 5, minimum=1)


def test_env_list_splits_and_rejects_empty_items(monkeypatch):
    monkeypatch.setenv("LOUPE_HOSTS", "a.example, b.example")
    assert env_list("LOUPE_HOSTS") == ["a.example", "b.example"]
    monkeypatch.setenv("LOUPE_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured):
        env_list("LOUPE_HOSTS")


def test_production_refuses_the_development_secret_key(tmp_path):
    result = run_check({"LOUPE_ENV": "production", "DJANGO_ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "development key is refused" in result.stderr


def test_production_refuses_debug():
    result = run_check(
        {
            "LOUPE_ENV": "production",
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "DJANGO_DEBUG": "true",
        }
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG is refused in production" in result.stderr


def test_production_requires_allowed_hosts():
    result = run_check({"LOUPE_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def _newsroom_certificate(tmp_path) -> dict:
    chain, key, _ = make_test_chain(organization="The Daily Loupe")
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    return {"LOUPE_C2PA_CERT_CHAIN": str(tmp_path / "chain.pem"), "LOUPE_C2PA_PRIVATE_KEY": str(tmp_path / "key.pem")}


def test_production_passes_the_deployment_checklist(tmp_path):
    result = run_check(
        {
            "LOUPE_ENV": "production",
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "LOUPE_DATA_DIR": str(tmp_path),
            **_newsroom_certificate(tmp_path),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    signed_as = "public files are signed as O=The Daily Loupe,CN=The Daily Loupe (development signing)"
    assert signed_as in result.stdout + result.stderr


def test_production_refuses_to_sign_without_a_certificate(tmp_path):
    env = {"LOUPE_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "example.org"}
    result = run_check({**env, "LOUPE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "set LOUPE_C2PA_CERT_CHAIN and LOUPE_C2PA_PRIVATE_KEY" in result.stderr


def test_production_can_publish_unsigned_and_check_deploy_says_so(tmp_path):
    env = {"LOUPE_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "example.org"}
    result = run_check({**env, "LOUPE_DATA_DIR": str(tmp_path), "LOUPE_C2PA_SIGNING": "false"}, "--deploy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public files are published unsigned" in result.stdout + result.stderr


def test_development_check_deploy_warns_of_the_untrusted_test_certificate(tmp_path):
    result = run_check({"LOUPE_DATA_DIR": str(tmp_path)}, "--deploy")
    assert "signed with a development test certificate" in result.stdout + result.stderr


def test_a_key_that_does_not_match_the_certificate_stops_the_start(tmp_path):
    paths = _newsroom_certificate(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    result = run_check({**paths, "LOUPE_C2PA_PRIVATE_KEY": _newsroom_certificate(other)["LOUPE_C2PA_PRIVATE_KEY"]})
    assert result.returncode != 0
    assert "loupe.E011" in result.stderr


def test_a_certificate_path_that_is_not_a_file_is_refused(tmp_path):
    result = run_check({"LOUPE_C2PA_CERT_CHAIN": str(tmp_path / "no.pem"), "LOUPE_C2PA_PRIVATE_KEY": str(tmp_path)})
    assert result.returncode != 0
    assert "not a readable file" in result.stderr


def test_unknown_environment_name_is_refused():
    result = run_check({"LOUPE_ENV": "staging"})
    assert result.returncode != 0
    assert "LOUPE_ENV" in result.stderr


def test_embedded_default_keeps_everything_under_the_data_dir(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='newsroom.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['NAME']); print(s.STORAGES['originals']['OPTIONS']['location']);"
        "print(s.TASKS['default']['BACKEND']); print(s.CACHES['default']['BACKEND'])"
    )
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOUPE_", "DATABASE"))}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "LOUPE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    assert out[0] == str(tmp_path / "db.sqlite3")
    assert out[1] == str(tmp_path / "private")
    assert out[2].endswith("ImmediateBackend")
    assert out[3] == "newsroom.cache.FileCache"  # Django's file cache, culled less often


def _loupe_names(text: str) -> set[str]:
    return set(re.findall(r"\bLOUPE_[A-Z0-9_]*[A-Z0-9]\b", text))


def test_every_loupe_setting_the_code_reads_is_defined_in_settings_with_its_default():
    defined = _loupe_names((ROOT / "newsroom" / "settings.py").read_text())
    code = [path for app in ("galleries", "newsroom") for path in (ROOT / app).rglob("*.py")]
    read = set().union(*(re.findall(r"settings\.(LOUPE_[A-Z0-9_]+)", path.read_text()) for path in code))

    assert read <= defined
    assert not [path.name for path in code if re.search(r"getattr\(settings,", path.read_text())]


def test_every_loupe_variable_is_in_the_readme_configuration_table():
    settings_text = (ROOT / "newsroom" / "settings.py").read_text()
    variables = set(re.findall(r'env_(?:str|int|bool|list)\("(LOUPE_[A-Z0-9_]+)"', settings_text))
    table = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `")]

    assert variables - _loupe_names("\n".join(table)) == set()


def test_comment_policy_knobs_come_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='newsroom.settings'; django.setup();"
        "from django.conf import settings as s; print(s.LOUPE_COMMENT_MAX_LENGTH, s.LOUPE_COMMENT_VOTE_RATE_LIMIT)"
    )
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOUPE_", "DATABASE"))}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "LOUPE_COMMENT_MAX_LENGTH": "500"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()

    assert out == ["500", "30"]
