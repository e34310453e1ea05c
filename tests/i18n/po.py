"""A small reader for gettext .po files: enough to tell what is untranslated or fuzzy.

It keeps what the checks need (context, plural forms, flags, references, obsolete entries)
and nothing else; compiling is scripts/compilemessages.py's job.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    lineno: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural.values())
        return bool(self.msgstr)

    def where(self, path: str = "") -> str:
        refs = " ".join(self.references[:3])
        return f"{path}:{self.lineno} msgid {self.msgid!r}" + (f" (used at {refs})" if refs else "")


@dataclass
class Catalogue:
    header: dict[str, str]
    header_entry: Entry
    entries: list[Entry]

    def keys(self) -> set[tuple[str | None, str]]:
        return {e.key for e in self.entries if not e.obsolete}


def parse(text: str) -> Catalogue:
    entries: list[Entry] = []
    current = Entry()
    section: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal current, section, started
        if started:
            entries.append(current)
        current, section, started = Entry(), None, False

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):
                continue  # the previous msgid of an obsolete fuzzy entry
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if section is not None and section[0] == "msgstr":
                finish()
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                current.references.extend(line[2:].split())
            continue
        if line.startswith('"'):
            if section is None:
                raise ValueError(f"line {lineno}: continuation outside an entry")
            _append(current, section, ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and section is not None and section[0] == "msgstr":
            finish()
        if not started:
            started, current.lineno = True, lineno
        current.obsolete = current.obsolete or obsolete
        if keyword.startswith("msgstr[") and keyword.endswith("]"):
            section = ("msgstr_plural", int(keyword[7:-1]))
            current.msgstr_plural[section[1]] = ""
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            section = (keyword, None)
            if keyword in ("msgctxt", "msgid_plural"):
                setattr(current, keyword, "")
        else:
            raise ValueError(f"line {lineno}: unknown keyword {keyword!r}")
        if section[0] == "msgstr_plural":
            section = ("msgstr", section[1])
        _append(current, section, ast.literal_eval(rest.strip()))
    finish()

    header_entry = next((e for e in entries if e.msgid == "" and e.msgctxt is None), Entry())
    header = {}
    for line in header_entry.msgstr.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            header[name.strip()] = value.strip()
    return Catalogue(
        header=header,
        header_entry=header_entry,
        entries=[e for e in entries if e is not header_entry],
    )


def _append(entry: Entry, section: tuple[str, int | None], text: str) -> None:
    keyword, index = section
    if keyword == "msgstr" and index is not None:
        entry.msgstr_plural[index] = entry.msgstr_plural.get(index, "") + text
    else:
        setattr(entry, keyword, (getattr(entry, keyword) or "") + text)


def load(path: Path) -> Catalogue:
    return parse(path.read_text(encoding="utf-8"))
