"""Compile gettext catalogues (.po → .mo) without GNU gettext.

Django's `compilemessages` needs the `msgfmt` binary; this does the same job in plain Python
so `make run` / `make test` work on a machine without gettext. It handles what our
catalogues use: msgctxt, plural forms, multi-line strings, C escapes, and skips fuzzy and
obsolete (`#~`) entries, as msgfmt does. A .mo is rewritten only when its .po is newer.

Usage: python scripts/compilemessages.py [--force] [ROOT ...]   (default ROOT: the checkout)
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

SKIP_DIRS = {".venv", ".data", ".git", "node_modules", "__pycache__"}


class PoSyntaxError(ValueError):
    pass


def parse_po(text: str, name: str = "<po>") -> dict[bytes, bytes]:
    """Return the catalogue as {msgid key: msgstr} in .mo encoding (context, plurals)."""
    catalogue: dict[bytes, bytes] = {}
    entry: dict[str, object] = {}
    fuzzy = False
    section: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, fuzzy, section
        # msgfmt drops fuzzy entries, except the header, which still names the charset.
        if "msgid" in entry and (not fuzzy or entry["msgid"] == ""):
            _add(catalogue, entry)
        entry, fuzzy, section = {}, False, None

    def in_msgstr() -> bool:
        return section is not None and section[0] == "msgstr"

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        try:
            if not line:
                finish()
            elif line.startswith("#"):
                if in_msgstr():
                    finish()  # a comment opens the next entry
                if line.startswith("#,") and any(
                    flag.strip() == "fuzzy" for flag in line[2:].split(",")
                ):
                    fuzzy = True
            elif line.startswith('"'):
                if section is None:
                    raise PoSyntaxError("continuation line outside an entry")
                _append(entry, section, _unquote(line))
            else:
                keyword, _, rest = line.partition(" ")
                if keyword in ("msgctxt", "msgid") and in_msgstr():
                    finish()  # the next entry starts without a blank line
                if keyword.startswith("msgstr[") and keyword.endswith("]"):
                    section = ("msgstr", int(keyword[7:-1]))
                elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                    section = (keyword, None)
                else:
                    raise PoSyntaxError(f"unknown keyword {keyword!r}")
                _append(entry, section, _unquote(rest.strip()))
        except (ValueError, SyntaxError) as exc:
            raise PoSyntaxError(f"{name}:{lineno}: {exc}") from exc
    finish()
    return catalogue


def _append(entry: dict[str, object], section: tuple[str, int | None], text: str) -> None:
    keyword, index = section
    if index is None:
        entry[keyword] = str(entry.get(keyword, "")) + text
    else:
        plurals = entry.setdefault("msgstr_plural", {})
        assert isinstance(plurals, dict)  # noqa: S101 - internal invariant
        plurals[index] = plurals.get(index, "") + text


def _unquote(token: str) -> str:
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise PoSyntaxError(f"expected a quoted string, got {token!r}")
    # PO strings use C escapes, which Python's string literal syntax covers.
    return ast.literal_eval(token)


def _add(catalogue: dict[bytes, bytes], entry: dict[str, object]) -> None:
    msgid = str(entry["msgid"])
    if "msgid_plural" in entry:
        plurals = entry.get("msgstr_plural", {})
        assert isinstance(plurals, dict)  # noqa: S101 - internal invariant
        translations = [plurals[i] for i in sorted(plurals)]
        if not any(translations):
            return  # untranslated: fall back to the source, as msgfmt does
        key = msgid + "\0" + str(entry["msgid_plural"])
        value = "\0".join(translations)
    else:
        value = str(entry.get("msgstr", ""))
        if not value:
            return
        key = msgid
    if "msgctxt" in entry:
        key = str(entry["msgctxt"]) + "\x04" + key
    catalogue[key.encode()] = value.encode()


def write_mo(catalogue: dict[bytes, bytes]) -> bytes:
    """Serialise a catalogue in GNU .mo format (little-endian, no hash table)."""
    keys = sorted(catalogue)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(catalogue[key])))
        ids += key + b"\0"
        strs += catalogue[key] + b"\0"
    count = len(keys)
    keystart = 7 * 4 + 16 * count
    valuestart = keystart + len(ids)
    key_table = []
    value_table = []
    for id_off, id_len, str_off, str_len in offsets:
        key_table += [id_len, keystart + id_off]
        value_table += [str_len, valuestart + str_off]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    return (
        header
        + struct.pack(f"{len(key_table)}i", *key_table)
        + struct.pack(f"{len(value_table)}i", *value_table)
        + ids
        + strs
    )


def compile_file(po_path: Path, *, force: bool = False) -> bool:
    """Compile one .po next to itself; return True if the .mo was (re)written."""
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return False
    catalogue = parse_po(po_path.read_text(encoding="utf-8"), str(po_path))
    tmp = mo_path.with_suffix(".mo.tmp")
    tmp.write_bytes(write_mo(catalogue))
    tmp.replace(mo_path)
    return True


def find_catalogues(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.po")):
        relative = path.relative_to(root).parts
        if SKIP_DIRS.intersection(relative) or "LC_MESSAGES" not in relative:
            continue
        found.append(path)
    return found


def main(argv: list[str]) -> int:
    force = "--force" in argv
    roots = [Path(arg) for arg in argv if arg != "--force"] or [Path(__file__).parent.parent]
    compiled = 0
    for root in roots:
        for po_path in find_catalogues(root.resolve()):
            try:
                if compile_file(po_path, force=force):
                    compiled += 1
                    print(f"compiled {po_path.relative_to(root.resolve())}")
            except PoSyntaxError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
    if not compiled:
        print("messages: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
