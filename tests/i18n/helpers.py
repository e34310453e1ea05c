import importlib.util
import sys
from types import ModuleType

from tests.i18n.extract import ROOT


def load_script(name: str) -> ModuleType:
    """Import scripts/<name>.py (the scripts folder is not a package)."""
    module_name = f"scripts_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
