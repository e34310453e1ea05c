"""Find user-visible text that is not marked for translation.

Templates (.html and the .txt email parts): everything a reader sees must come from
`{% translate %}` / `{% blocktranslate %}` or from data. The checker blanks template tags,
variables, comments and translation blocks, then reports
  - text between HTML tags that still has letters,
  - visible attributes (placeholder, title, alt, aria-label, data-confirm, a submit
    button's value, a meta description) with literal letters,
  - literal strings handed to `{% include … with label="…" %}` or to the `default` /
    `default_if_none` / `yesno` filters.
Python (apps, not migrations or tests): literal strings given to `messages.*`,
`ValidationError`, `add_error`, field `label` / `help_text` / `verbose_name` /
`empty_label`, widget `placeholder` / `title` / `aria-label`, admin `description`, and
choices labels.

A short allow-list covers what is the same in every language (the brand, the language
names in the switcher, currency symbols). Usage:

    python scripts/check_templates_i18n.py [FILE_OR_DIR ...]

prints `path:line: text` per finding and exits 1 when there is any.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".data", ".git", "node_modules", "__pycache__", "tests", "bench", "artifacts"}

# Words that read the same in Indonesian and English: the brand, the language names in the
# switcher, currency symbols and codes. Anything else with letters must be translated.
ALLOWED_WORDS = re.compile(r"\b(?:Asisten|Bahasa Indonesia|English|Rp|IDR|USD)\b")
ALLOWED_TEXT = {"A"}  # the logo letter

VISIBLE_ATTRIBUTES = {
    "placeholder",
    "title",
    "alt",
    "aria-label",
    "aria-description",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
    "data-confirm",
    "label",
}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
META_VISIBLE_NAMES = {"description", "og:title", "og:description", "twitter:title"}

LETTER = re.compile(r"[^\W\d_]")
_TEMPLATE_BLOCKS = [
    re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    # blocks that fill a class attribute (the admin's `bodyclass`), not the page
    re.compile(r"{%\s*block\s+\w*class\s*%}.*?{%\s*endblock\b.*?%}", re.S),
]
_TAG_OR_VAR = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_INCLUDE_WITH = re.compile(r"{%\s*include\b(?P<args>.*?)%}", re.S)
_KEYWORD_LITERAL = re.compile(r"""(\w+)=(?P<q>["'])(?P<text>.*?)(?P=q)""")
_FILTER_LITERAL = re.compile(
    r"""\|\s*(default|default_if_none|yesno)\s*:\s*(?P<q>["'])(?P<text>.*?)(?P=q)"""
)
# include arguments that name things rather than say things
_NON_TEXT_KEYS = {
    "class",
    "id",
    "name",
    "type",
    "url",
    "href",
    "icon",
    "variant",
    "size",
    "autocomplete",
    "inputmode",
    "method",
    "action",
    "target",
    "rel",
    "form",
    "field_id",
    "css",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def is_visible_text(text: str) -> bool:
    text = " ".join(text.split())
    if text in ALLOWED_TEXT:
        return False
    return bool(LETTER.search(ALLOWED_WORDS.sub("", text)))


def _blank(match: re.Match) -> str:
    """Replace a match with spaces, keeping newlines so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _looks_like_words(text: str) -> bool:
    # "btn-primary" or "id_email" name things; "Save changes" or "Email" says something.
    return is_visible_text(text) and (" " in text.strip() or text[:1].isupper())


def _template_literals(source: str, path: str) -> list[Finding]:
    findings = []
    for match in _INCLUDE_WITH.finditer(source):
        args = match.group("args")
        if " with " not in f" {args} ":
            continue
        for kw in _KEYWORD_LITERAL.finditer(args):
            if kw.group(1) not in _NON_TEXT_KEYS and _looks_like_words(kw.group("text")):
                line = _line_of(source, match.start("args") + kw.start())
                findings.append(
                    Finding(path, line, f'{kw.group(1)}="{kw.group("text")}" (include)')
                )
    for match in _TAG_OR_VAR.finditer(source):
        for lit in _FILTER_LITERAL.finditer(match.group(0)):
            if _looks_like_words(lit.group("text")):
                line = _line_of(source, match.start() + lit.start())
                findings.append(Finding(path, line, f'{lit.group(1)}:"{lit.group("text")}"'))
    return findings


def strip_template(source: str) -> str:
    for pattern in _TEMPLATE_BLOCKS:
        source = pattern.sub(_blank, source)
    source = _TAG_OR_VAR.sub(_blank, source)
    # `<{% if %}a{% else %}button{% endif %}`: close the gap so the tag still parses.
    return re.sub(r"<(\s+)(?=[A-Za-z/])", lambda m: "\n" * m.group(1).count("\n") + "<", source)


class _TextFinder(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.findings: list[Finding] = []
        self.raw_text_tag: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.raw_text_tag = tag
        values = dict(attrs)
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            visible = name in VISIBLE_ATTRIBUTES
            if (
                name == "value"
                and tag == "input"
                and (values.get("type") or "").lower() in BUTTON_INPUT_TYPES
            ):
                visible = True
            if (
                name == "content"
                and tag == "meta"
                and (values.get("name") or values.get("property")) in META_VISIBLE_NAMES
            ):
                visible = True
            if visible and is_visible_text(value):
                self.findings.append(
                    Finding(self.path, line, f'{name}="{" ".join(value.split())}"')
                )

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.raw_text_tag = None

    def handle_endtag(self, tag):
        if tag == self.raw_text_tag:
            self.raw_text_tag = None

    def handle_data(self, data):
        if self.raw_text_tag or not is_visible_text(data):
            return
        line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
        self.findings.append(Finding(self.path, line, " ".join(data.split())))


def check_template(path: Path, root: Path = ROOT) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    name = str(path.relative_to(root))
    findings = _template_literals(source, name)
    stripped = strip_template(source)
    if path.suffix == ".txt":
        for number, line in enumerate(stripped.splitlines(), 1):
            if is_visible_text(line):
                findings.append(Finding(name, number, " ".join(line.split())))
        return findings
    finder = _TextFinder(name)
    finder.feed(stripped)
    finder.close()
    return findings + finder.findings


# --- Python ------------------------------------------------------------------------------

_MESSAGE_FUNCS = {"debug", "info", "success", "warning", "error"}
_TEXT_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "description",
    "placeholder",
    "title",
    "aria-label",
    "message",
}
_EAGER_GETTEXT = {"gettext", "ngettext", "pgettext", "npgettext"}
_WIDGET_TEXT_KEYS = {"placeholder", "title", "aria-label", "data-confirm"}


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant)) or "f-string"
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class _PythonFinder(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.findings: list[Finding] = []
        self.in_choices_class = False
        self.function_depth = 0
        self.eager_names: set[str] = set()  # names bound to gettext & co., not the lazy ones

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in _EAGER_GETTEXT:
                    self.eager_names.add(alias.asname or alias.name)
        self.generic_visit(node)

    def _visit_function(self, node) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def _flag(self, node: ast.AST, text: str, why: str) -> None:
        if is_visible_text(text):
            self.findings.append(Finding(self.path, node.lineno, f"{why}: {text!r}"))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {getattr(b, "attr", getattr(b, "id", "")) for b in node.bases}
        was = self.in_choices_class
        self.in_choices_class = bool(bases & {"TextChoices", "IntegerChoices", "Choices"})
        if node.name == "Meta":
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(
                    getattr(t, "id", "") in ("verbose_name", "verbose_name_plural")
                    for t in stmt.targets
                ):
                    text = _literal(stmt.value)
                    if text is not None:
                        self._flag(stmt, text, "Meta.verbose_name")
        self.generic_visit(node)
        self.in_choices_class = was

    def visit_Assign(self, node: ast.Assign) -> None:
        if (
            self.in_choices_class
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) >= 2
        ):
            text = _literal(node.value.elts[-1])
            if text is not None:
                self._flag(node, text, "choice label")
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and getattr(target.value, "attr", "") == "attrs"
                and _literal(target.slice) in _WIDGET_TEXT_KEYS
            ):
                text = _literal(node.value)
                if text is not None:
                    self._flag(node, text, f"attrs[{_literal(target.slice)!r}]")
            if isinstance(target, ast.Attribute) and target.attr == "short_description":
                text = _literal(node.value)
                if text is not None:
                    self._flag(node, text, "short_description")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if (
            self.function_depth == 0
            and isinstance(node.func, ast.Name)
            and name in self.eager_names
        ):
            # Evaluated once at import, in whatever language is active then: use gettext_lazy.
            text = _literal(node.args[0]) if node.args else None
            self.findings.append(
                Finding(
                    self.path, node.lineno, f"{name}() at import time, use gettext_lazy: {text!r}"
                )
            )
        func = node.func
        owner = getattr(getattr(func, "value", None), "id", "")
        if name in _MESSAGE_FUNCS and owner == "messages" and len(node.args) >= 2:
            text = _literal(node.args[1])
            if text is not None:
                self._flag(node, text, f"messages.{name}")
        if name == "add_message" and owner == "messages" and len(node.args) >= 3:
            text = _literal(node.args[2])
            if text is not None:
                self._flag(node, text, "messages.add_message")
        if name == "ValidationError" and node.args:
            text = _literal(node.args[0])
            if text is not None:
                self._flag(node, text, "ValidationError")
        if name == "add_error" and len(node.args) >= 2:
            text = _literal(node.args[1])
            if text is not None:
                self._flag(node, text, "add_error")
        if name == "update" and getattr(func.value, "attr", "") == "attrs" and node.args:
            self._widget_attrs(node.args[0])
        for keyword in node.keywords:
            if keyword.arg == "attrs":
                self._widget_attrs(keyword.value)
            if keyword.arg in _TEXT_KEYWORDS:
                text = _literal(keyword.value)
                if text is not None:
                    self._flag(node, text, f"{keyword.arg}=")
            if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for element in keyword.value.elts:
                    if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                        text = _literal(element.elts[1])
                        if text is not None:
                            self._flag(element, text, "choice label")
        self.generic_visit(node)

    def _widget_attrs(self, node: ast.AST) -> None:
        """A widget's attrs dict: `attrs={...}` or `widget.attrs.update({...})`."""
        if not isinstance(node, ast.Dict):
            return
        for key, value in zip(node.keys, node.values, strict=True):
            if _literal(key) in _WIDGET_TEXT_KEYS:
                text = _literal(value)
                if text is not None:
                    self._flag(value, text, f"attrs[{_literal(key)!r}]")


def check_python(path: Path, root: Path = ROOT) -> list[Finding]:
    finder = _PythonFinder(str(path.relative_to(root)))
    finder.visit(ast.parse(path.read_text(encoding="utf-8")))
    return finder.findings


# --- Walking the tree ----------------------------------------------------------------------


def _skipped(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts[:-1]
    return any(part in SKIP_DIRS or part.startswith(".") for part in parts)


def template_files(root: Path = ROOT) -> list[Path]:
    found = []
    for folder in [root / "templates", *sorted(root.glob("*/templates"))]:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".html", ".txt") and path.is_file() and not _skipped(path, root):
                found.append(path)
    return found


def python_files(root: Path = ROOT) -> list[Path]:
    return [
        path
        for path in sorted(root.glob("*/**/*.py"))
        if not _skipped(path, root)
        and "migrations" not in path.parts
        and "management" not in path.parts  # operator-facing command output
        and path.name != "demo.py"  # sample content, not interface text
        and path.relative_to(root).parts[0] != "demo"
        and path.relative_to(root).parts[0] not in ("scripts",)
        and path.name != "settings.py"
    ]


def check_all(root: Path = ROOT) -> list[Finding]:
    findings: list[Finding] = []
    for path in template_files(root):
        findings += check_template(path, root)
    for path in python_files(root):
        findings += check_python(path, root)
    return findings


def main(argv: list[str]) -> int:
    if argv:
        findings = []
        for arg in argv:
            target = Path(arg).resolve()
            paths = sorted(target.rglob("*")) if target.is_dir() else [target]
            for path in paths:
                if path.suffix in (".html", ".txt"):
                    findings += check_template(path)
                elif path.suffix == ".py":
                    findings += check_python(path)
    else:
        findings = check_all()
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} untranslated strings", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
