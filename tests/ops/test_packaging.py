"""docker-compose.yml and the Dockerfile: no Docker engine here, so check what can be checked —
the file parses, every service command exists in the project, every variable is one settings
reads."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.ops.helpers import PYTHON, REPO, settings_variables

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {name: spec for name, spec in SERVICES.items() if "build" in spec}
SETTINGS_VARIABLES = settings_variables()


def _command(spec: dict) -> list[str]:
    command = spec["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _option(command: list[str], name: str) -> str:
    for index, arg in enumerate(command):
        if arg == name:
            return command[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"{name} missing from {command}")


def test_compose_runs_the_processes_and_servers_the_design_names():
    assert {"web", "worker", "beat"} <= set(APP_SERVICES)
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit")


def test_the_web_command_names_our_wsgi_application():
    command = _command(SERVICES["web"])
    assert command[0] == "gunicorn"
    assert Path(PYTHON).with_name("gunicorn").exists()
    target = next(arg for arg in command[1:] if not arg.startswith("-"))
    module_name, _, attribute = target.partition(":")
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)
    # gunicorn reads ./gunicorn.conf.py from the image's working directory.
    config = {}
    exec((REPO / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config
    assert config["bind"].endswith(":8000")
    assert "8000:8000" in SERVICES["web"]["ports"]


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_the_celery_commands_name_our_celery_app(service):
    from celery.app.utils import find_app

    from marketplace.celery import app

    command = _command(SERVICES[service])
    assert command[0] == "celery"
    assert command[_index_after("-A", command)] == "marketplace"
    assert find_app(command[_index_after("-A", command)]) is app
    assert service in command


def _index_after(flag: str, command: list[str]) -> int:
    return command.index(flag) + 1


def test_migrations_run_once_before_the_processes_start():
    from django.core.management import get_commands

    command = _command(SERVICES["migrate"])
    assert command[:3] == ["python", "manage.py", "migrate"]
    assert "migrate" in get_commands()
    for name in ("web", "worker", "beat"):
        condition = APP_SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_every_variable_compose_sets_is_one_settings_reads():
    for name, spec in APP_SERVICES.items():
        unknown = set(spec["environment"]) - SETTINGS_VARIABLES
        assert not unknown, f"{name} sets variables settings never reads: {unknown}"


def test_compose_points_the_app_at_its_own_servers():
    environment = SERVICES["web"]["environment"]
    postgres = SERVICES["postgres"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["EMAIL_URL"] == "smtp://mailpit:1025"
    # The secret comes from the operator, never from the file.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_the_image_is_python_311_slim_and_serves_with_gunicorn():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert '"marketplace.wsgi:application"' in dockerfile
    assert re.search(r"^USER \w+", dockerfile, re.MULTILINE), "the app must not run as root"


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".data", ".env"} <= ignored
