"""scripts/compilemessages.py: .po → .mo without GNU gettext, read back by Python's gettext."""

import gettext
import importlib.util
import os

import pytest

from tests.ops.helpers import PYTHON, REPO, run

spec = importlib.util.spec_from_file_location(
    "compilemessages", REPO / "scripts/compilemessages.py"
)
compilemessages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compilemessages)

CATALOGUE = r"""# Indonesian translation
#, fuzzy
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: jobs/views.py:1
msgid "Post a task"
msgstr "Pasang tugas"

#, python-format
msgid "%(count)s bid"
msgid_plural "%(count)s bids"
msgstr[0] "%(count)s tawaran"

msgctxt "month name"
msgid "May"
msgstr "Mei"

#, fuzzy
msgid "Hire"
msgstr "Rekrut (belum pasti)"

msgid "Untranslated"
msgstr ""

msgid ""
"Your bid of \"%(amount)s\" "
"was sent.\n"
msgstr ""
"Tawaran \"%(amount)s\" "
"Anda terkirim.\n"
msgid "Right after"
msgstr "Tepat sesudah"

#~ msgid "Old"
#~ msgstr "Lama"
"""


@pytest.fixture
def translations(tmp_path):
    po = tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE, encoding="utf-8")
    result = run([PYTHON, str(REPO / "scripts/compilemessages.py"), str(tmp_path)])
    assert result.returncode == 0, result.stderr
    with open(po.with_suffix(".mo"), "rb") as mo:
        return gettext.GNUTranslations(mo)


def test_it_compiles_plain_plural_and_context_entries(translations):
    assert translations.gettext("Post a task") == "Pasang tugas"
    assert translations.ngettext("%(count)s bid", "%(count)s bids", 5) == "%(count)s tawaran"
    assert translations.pgettext("month name", "May") == "Mei"
    assert translations.gettext("May") == "May"


def test_it_joins_multi_line_strings_and_unescapes_quotes(translations):
    source = 'Your bid of "%(amount)s" was sent.\n'
    assert translations.gettext(source) == 'Tawaran "%(amount)s" Anda terkirim.\n'
    assert translations.gettext("Right after") == "Tepat sesudah"


def test_it_leaves_fuzzy_untranslated_and_obsolete_entries_out(translations):
    assert translations.gettext("Hire") == "Hire"
    assert translations.gettext("Untranslated") == "Untranslated"
    assert translations.gettext("Old") == "Old"
    assert translations.info()["content-type"] == "text/plain; charset=UTF-8"


def test_it_recompiles_only_when_the_catalogue_changed(tmp_path):
    po = tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE, encoding="utf-8")
    assert compilemessages.compile_file(po) is True
    assert compilemessages.compile_file(po) is False
    later = po.stat().st_mtime + 10
    os.utime(po, (later, later))
    assert compilemessages.compile_file(po) is True


def test_it_reports_a_broken_catalogue_with_its_line(tmp_path):
    po = tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "a"\nmsgstr "b\n', encoding="utf-8")
    result = run([PYTHON, str(REPO / "scripts/compilemessages.py"), str(tmp_path)])
    assert result.returncode == 1
    assert "django.po:2" in result.stderr
