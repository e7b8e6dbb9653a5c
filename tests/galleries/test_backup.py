"""A backup of the embedded set-up restores to a Loupe whose every photo has its files (docs/operations.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], data: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOUPE_", "DATABASE_URL", "REDIS_URL"))}
    env |= {"LOUPE_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.mark.skipif(sys.platform == "win32", reason="the backup scripts are shell scripts")
def test_a_restored_backup_has_every_photos_files(tmp_path):
    live, backup, restored = tmp_path / "live", tmp_path / "backup", tmp_path / "restored"
    _run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], live)
    _run([sys.executable, "-m", "tests.faults.make_content", "--photos", "2", "--size", "300", "--publish"], live)

    _run(["scripts/backup-embedded", str(live), str(backup)], live)
    _run(["scripts/restore-embedded", str(backup), str(restored)], restored)
    checked = _run([sys.executable, "manage.py", "check_files"], restored)

    assert "2 photos" in checked.stdout and "every file is there" in checked.stdout
    public = next(path for path in (restored / "media").rglob("*") if path.is_file())
    public.unlink()
    broken = _run([sys.executable, "manage.py", "check_files"], restored, check=False)
    assert broken.returncode == 1
    assert f"public copy {public.relative_to(restored / 'media')}" in broken.stderr
