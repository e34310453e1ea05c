"""Fast bulk loading with PostgreSQL COPY, for the scale seed and benchmarks.

`copy_rows(Model, rows)` takes dicts keyed by field attname; any concrete field a row does
not name gets the field's Python default (so models may grow fields without breaking the
seed). Values are converted with the field's own `get_db_prep_save`, so Decimals, JSON and
datetimes land exactly as the ORM would write them.
"""

import csv
import io
import json
import sys
import time
from collections.abc import Iterable

from django.db import connection, models


class Progress:
    """A plain progress line on stderr: label, count/total, percent, rate, elapsed."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.started = self.last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.5 or self.done >= self.total:
            self.last = now
            self._print(now)

    def _print(self, now: float) -> None:
        pct = min(100.0, 100.0 * self.done / self.total)
        rate = self.done / max(now - self.started, 1e-9)
        filled = int(pct / 5)
        bar = "#" * filled + "-" * (20 - filled)
        self.stream.write(
            f"\r{self.label:<22} [{bar}] {self.done:>9,}/{self.total:,} {pct:5.1f}% {rate:>9,.0f}/s "
            f"{now - self.started:6.1f}s"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total
            self._print(time.monotonic())


def _columns(model: type[models.Model], skip_pk: bool):
    fields = []
    for field in model._meta.concrete_fields:
        if (
            skip_pk
            and field.primary_key
            and isinstance(field, models.AutoField | models.BigAutoField)
        ):
            continue
        fields.append(field)
    return fields


def _prep(field: models.Field, value):
    value = field.get_db_prep_save(value, connection)
    if value is None:
        return r"\N"
    if hasattr(value, "dumps"):  # psycopg2 Json adapter from JSONField
        return value.dumps(value.adapted)
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        return "{" + ",".join(str(v) for v in value) + "}"
    return str(value)


def copy_rows(
    model: type[models.Model],
    rows: Iterable[dict],
    *,
    total: int,
    label: str | None = None,
    chunk: int = 50_000,
    skip_pk: bool = True,
) -> int:
    """COPY rows into model's table in chunks, with a progress line. Returns rows written."""
    fields = _columns(model, skip_pk)
    defaults = {}
    for field in fields:
        if field.has_default():
            default = field.default
            if not callable(default):
                defaults[field.attname] = default
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    progress = Progress(label or model._meta.verbose_name_plural.title(), total)
    written = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    pending = 0

    def flush() -> None:
        nonlocal buffer, writer, pending
        if not pending:
            return
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer)
        progress.advance(pending)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        pending = 0

    for row in rows:
        values = []
        for field in fields:
            if field.attname in row:
                value = row[field.attname]
            elif field.attname in defaults:
                value = defaults[field.attname]
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            else:
                value = field.get_default()
            values.append(_prep(field, value))
        writer.writerow(values)
        pending += 1
        written += 1
        if pending >= chunk:
            flush()
    flush()
    progress.finish()
    return written
