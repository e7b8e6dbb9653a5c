import subprocess
import sys
from pathlib import Path

from tests.import_contracts import _modules_named

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout[-3000:]


def test_the_submodule_contract_reads_every_spelling_of_an_import():
    assert "django.http" in _modules_named("from django.http import HttpRequest")
    assert "django.http" in _modules_named("from django.http import (")
    assert "django.http" in _modules_named("from django import http")
    assert "django.http" in _modules_named("import django.http as web")
    assert "django.http" not in _modules_named("from django.db import models")
