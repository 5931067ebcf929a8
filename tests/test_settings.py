"""Production settings refuse to start without their secrets and pass the deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "BSN_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="inburgering.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run(["check"], ALLOWED_HOSTS="inburgering.example.nl")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ontbreekt" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["check"], SECRET_KEY="x" * 60, BSN_KEY="y" * 44)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="k3Y-" + "a9Zq7Lm2Xc8Vb4Nn6Tt1Rr5Ee0Ww3Yy" * 2,
        ALLOWED_HOSTS="inburgering.example.nl",
        BSN_KEY="bsn-" + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz" * 2,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_the_bsn_key():
    result = _run(["check"], SECRET_KEY="x" * 60, ALLOWED_HOSTS="inburgering.example.nl")
    assert result.returncode != 0
    assert "BSN_KEY" in result.stderr
