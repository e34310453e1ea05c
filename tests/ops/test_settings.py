"""Production settings: the deploy checks pass, and a missing secret or server stops start-up."""

import shutil

import pytest

from tests.ops.helpers import (
    PYTHON,
    REPO,
    clean_env,
    manage,
    production_env,
    run,
    settings_variables,
)

pytestmark = pytest.mark.slow


def test_check_deploy_passes_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_catches_a_weak_production_setting():
    # Proves the check above is live: switching HSTS off must fail it.
    env = production_env(SECURE_HSTS_SECONDS="0")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_settings_refuse_to_start_with_debug_off_and_an_empty_secret_key():
    env = production_env(SECRET_KEY="")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _settings_alone(tmp_path):
    """A copy of the settings package with no .env beside it, as on a production host."""
    shutil.copytree(REPO / "marketplace", tmp_path / "marketplace")
    return ["-c", "import marketplace.settings"]


def test_settings_refuse_to_start_with_debug_off_and_no_secret_key(tmp_path):
    args = _settings_alone(tmp_path)
    result = run([PYTHON, *args], cwd=tmp_path, env=clean_env(DEBUG="0"))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_settings_refuse_to_start_in_production_without_servers(tmp_path):
    args = _settings_alone(tmp_path)
    env = clean_env(DEBUG="0", SECRET_KEY="x" * 60)
    result = run([PYTHON, *args], cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "DATABASE_URL and REDIS_URL must be set" in result.stderr
    # ...and it did not quietly start private servers instead.
    assert not (tmp_path / ".data").exists()


def test_every_model_change_has_a_migration():
    env = production_env()
    result = manage("makemigrations", "--check", "--dry-run", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    names = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= names
    example = (REPO / ".env.example").read_text()
    readme = (REPO / "README.md").read_text()
    assert not {name for name in names if f"{name}=" not in example}, ".env.example lacks these"
    assert not {name for name in names if f"`{name}`" not in readme}, "README table lacks these"
