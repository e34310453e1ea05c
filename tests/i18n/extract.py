"""Which messages the code asks for: the msgids `makemessages` would extract, without gettext.

Python files are read with `ast`; templates (.html, .txt) go through Django's own
`templatize` (what makemessages feeds to xgettext) and the result is tokenised. The walk
skips what our makemessages command ignores (see tests/i18n/README in the test module
docstrings): .venv, .data, tests, bench, artifacts, static and hidden folders.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent.parent
IGNORED_DIRS = {".venv", ".data", "tests", "bench", "artifacts", "static", "locale", "__pycache__"}
EXTENSIONS = {".py", ".html", ".txt"}

# name -> (context position, msgid position, plural position), as xgettext is told by Django.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

Key = tuple[str | None, str]


def source_files(root: Path = ROOT) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        if path.suffix in EXTENSIONS and path.is_file():
            yield path


def _key(args: list[str | None], spec: tuple[int | None, int, int | None]) -> Key | None:
    context_at, msgid_at, _plural_at = spec
    if msgid_at >= len(args) or args[msgid_at] is None:
        return None
    context = None
    if context_at is not None:
        context = args[context_at]
        if context is None:
            return None
    return (context, args[msgid_at])  # type: ignore[return-value]


def python_messages(source: str) -> Iterator[Key]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        args = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            for arg in node.args
        ]
        key = _key(args, KEYWORDS[name])
        if key is not None and key[1]:
            yield key


_STRING = r"""[uUbBrR]*(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CALL = re.compile(
    r"(?<![\w.])(?P<name>" + "|".join(re.escape(k) for k in KEYWORDS) + r")\s*\("
    r"(?P<args>\s*" + _STRING + r"(?:\s*(?:,\s*)?" + _STRING + r")*(?:\s*,\s*\w+)?)\s*\)"
)
_ARG = re.compile(r"\s*(?:(?P<strings>(?:" + _STRING + r"\s*)+)|(?P<other>\w+))\s*(?:,|$)")


def template_messages(source: str, origin: str) -> Iterator[Key]:
    """Messages in a template, read from the Python-like text `templatize` makes of it."""
    code = templatize(source, origin=origin)
    for call in _CALL.finditer(code):
        args: list[str | None] = []
        for arg in _ARG.finditer(call.group("args")):
            strings = re.findall(_STRING, arg.group("strings") or "")
            args.append("".join(ast.literal_eval(s) for s in strings) if strings else None)
        key = _key(args, KEYWORDS[call.group("name")])
        if key is not None and key[1]:
            yield key


def messages_in_code(root: Path = ROOT) -> dict[Key, list[str]]:
    """Every (context, msgid) the code uses, with the files that use it."""
    found: dict[Key, list[str]] = {}
    for path in source_files(root):
        text = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(root))
        if path.suffix == ".py":
            keys = python_messages(text)
        else:
            keys = template_messages(text, relative)
        for key in keys:
            found.setdefault(key, []).append(relative)
    return found
