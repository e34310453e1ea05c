"""Work a web process would otherwise repeat on its first requests, done once before forking.

Gunicorn imports the app in its master (`preload_app`) and forks the workers from it; a
worker is replaced after `max_requests`. Whatever the master has loaded the new worker
inherits, so loading it there once spares every replacement worker from compiling our
templates, reading the translation catalogues, building the URL resolver and hashing the
release for the fragment cache on its first requests (about 0.3 s of CPU per worker, while
that worker keeps visitors waiting). Nothing here opens a database or Redis connection:
connections must never be shared across a fork.
"""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import translation

_TEMPLATE_SUFFIXES = {".html", ".txt", ".ics"}


def our_templates() -> list[str]:
    """The names of the templates in the project's templates folder."""
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.suffix in _TEMPLATE_SUFFIXES and path.is_file()
    )


def warm() -> int:
    """Load what every worker needs; returns how many templates were compiled."""
    from marketplace import fragments

    engine = engines["django"]
    names = our_templates()
    for name in names:
        engine.get_template(name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # activating a language loads its catalogue
            pass
    reverse("home")  # builds the URL resolver
    fragments.release()
    return len(names)
