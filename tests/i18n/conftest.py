import pytest
from django.utils.translation import trans_real

from tests.i18n.extract import ROOT
from tests.i18n.helpers import load_script


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues():
    """Compile the .po files as `make test` does, so `pytest tests/i18n` alone sees them too."""
    module = load_script("compilemessages")
    changed = [module.compile_file(po) for po in module.find_catalogues(ROOT)]
    if any(changed):
        # Django caches loaded catalogues per process; forget them so the new .mo is read.
        trans_real._translations = {}
        trans_real._default = None
    yield
