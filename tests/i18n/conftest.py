import os
import tempfile

import pytest
from django.utils.translation import trans_real

from tests.i18n.extract import ROOT
from tests.i18n.helpers import load_script


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues():
    """Compile stale .po files as `make test` does, so `pytest tests/i18n` alone sees them.

    Each process writes its own temporary file and renames it into place, so parallel
    (xdist) workers never trip over each other.
    """
    compiler = load_script("compilemessages")
    changed = False
    for po_path in compiler.find_catalogues(ROOT):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        data = compiler.write_mo(
            compiler.parse_po(po_path.read_text(encoding="utf-8"), str(po_path))
        )
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web server must read it
        os.replace(tmp, mo_path)
        changed = True
    if changed:
        # Django caches loaded catalogues per process; forget them so the new .mo is read.
        trans_real._translations = {}
        trans_real._default = None
    yield
