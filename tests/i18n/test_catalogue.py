"""The catalogues are complete, current and safe to use.

The Indonesian catalogue must translate every message the code uses (no empty or fuzzy
entries), and both catalogues must match the code: after changing a marked string, run

    manage.py makemessages -l id -l en --ignore=.venv --ignore=.data --ignore=tests \
        --ignore=bench --ignore=artifacts --ignore=static --no-obsolete

and translate what it adds. The freshness check reads the code the way makemessages does
(tests/i18n/extract.py), without needing GNU gettext installed.
"""

import re

import pytest
from django.utils import translation

from tests.i18n import po
from tests.i18n.extract import ROOT, messages_in_code

ID_PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _show(entries, path):
    return "\n".join(entry.where(str(path.relative_to(ROOT))) for entry in entries)


@pytest.fixture(scope="module")
def code_messages():
    return messages_in_code()


def test_every_indonesian_message_is_translated():
    catalogue = po.load(ID_PO)
    untranslated = [e for e in catalogue.entries if not e.obsolete and not e.translated]
    if untranslated:
        pytest.fail("Untranslated in id:\n" + _show(untranslated, ID_PO))


def test_no_indonesian_translation_is_fuzzy():
    catalogue = po.load(ID_PO)
    fuzzy = [e for e in catalogue.entries if not e.obsolete and e.fuzzy]
    if fuzzy:
        pytest.fail("Fuzzy (check, fix, then remove the flag):\n" + _show(fuzzy, ID_PO))
    assert not catalogue.header_entry.fuzzy, "the header entry is still marked fuzzy"


def test_the_indonesian_header_declares_one_plural_form():
    header = po.load(ID_PO).header
    assert header["Language"] == "id"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_the_english_catalogue_uses_the_source_text():
    catalogue = po.load(EN_PO)
    assert catalogue.header["Language"] == "en"
    filled = [e for e in catalogue.entries if not e.obsolete and e.translated]
    if filled:
        pytest.fail(
            "English msgstr should stay empty (the msgid is English):\n" + _show(filled, EN_PO)
        )


@pytest.mark.parametrize("path", [ID_PO, EN_PO], ids=["id", "en"])
def test_the_catalogue_has_every_message_the_code_uses(path, code_messages):
    keys = po.load(path).keys()
    missing = {key: files for key, files in code_messages.items() if key not in keys}
    if missing:
        pytest.fail(
            "Run makemessages (see this module's docstring); missing:\n"
            + "\n".join(
                f"{files[0]}: {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
                for (ctx, msgid), files in sorted(missing.items(), key=lambda kv: kv[1][0])
            )
        )


@pytest.mark.parametrize("path", [ID_PO, EN_PO], ids=["id", "en"])
def test_the_catalogue_has_no_message_the_code_no_longer_uses(path, code_messages):
    stale = [e for e in po.load(path).entries if not e.obsolete and e.key not in code_messages]
    if stale:
        pytest.fail("Run makemessages with --no-obsolete; stale:\n" + _show(stale, path))


def test_translations_keep_placeholders_and_tags():
    broken = []
    for entry in po.load(ID_PO).entries:
        if entry.obsolete or not entry.translated:
            continue
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural is not None:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        for source, text in pairs:
            for pattern in (PLACEHOLDER, TAG):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(text)):
                    broken.append(entry)
    if broken:
        pytest.fail("Placeholders or HTML tags differ from the msgid:\n" + _show(broken, ID_PO))


def test_the_compiled_indonesian_catalogue_is_used():
    with translation.override("id"):
        assert translation.gettext("Sign in") == "Masuk"
        assert translation.gettext("Sign out") == "Keluar"
        assert str(translation.gettext_lazy("maximum rate")) == "tarif maksimum"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
