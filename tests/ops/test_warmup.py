"""The web master loads templates, catalogues and URLs once before it forks (gunicorn's
when_ready), so replacement workers start warm — without touching the database."""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.utils import translation

from marketplace import warmup

REPO = Path(__file__).resolve().parents[2]


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, message, *args):
        self.lines.append(message % args)


class _Server:
    def __init__(self):
        self.log = _Log()


def _emptied_template_cache():
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    return loader


def test_gunicorn_warms_every_template_of_ours_before_forking():
    # No django_db mark: any query here fails the test (connections must not cross a fork).
    loader = _emptied_template_cache()
    assert not loader.get_template_cache
    translation.trans_real._translations = {}  # reloaded on demand
    config = {}
    exec((REPO / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config
    assert config["preload_app"] is True  # when_ready runs in the master, before forks
    server = _Server()
    config["when_ready"](server)
    names = warmup.our_templates()
    assert len(names) > 150 and "base.html" in names and "bids/includes/bid_card.html" in names
    assert set(names) <= set(loader.get_template_cache)
    assert server.log.lines == [f"warmed {len(names)} templates before forking workers"]
    # Both languages' catalogues are loaded.
    loaded = translation.trans_real._translations
    assert {code for code, _name in settings.LANGUAGES} <= set(loaded)
