"""ORM queries compiled to SQL once per shape; each call only binds new values.

Django builds and compiles a query's SQL on every evaluation. For the small reads that every
request of a hot page makes (the signed-in user, the unread count, a page's row states) that
costs about four times the query itself: ~0.2 ms of Python against ~0.05 ms in PostgreSQL.
SQLAlchemy caches compiled statements ("baked queries"); Django does not, so this module
does it for the few reads that need it.

    rows = prepared.rows(
        ("bids-page", sort),                      # the shape: everything but the values
        lambda v: Bid.objects.filter(job_id=v["job"]).values_list("pk", "updated_at")[:20],
        job=job.pk,                               # the values, bound on every call
    )

On the first call for a shape, `build` runs twice with two sets of stand-in values (of each
value's type), the ORM compiles both, and the positions where the two parameter lists
differ are where the values go. Later calls copy the parameter list, put the real values in
those positions and run the remembered SQL, then apply the output converters the ORM would
(JSON, for instance). A value the ORM folds into the SQL text, transforms, or drops (an
out-of-range integer makes Django answer "no rows" without SQL) fails loudly at the first
call; such values belong in the shape. So do booleans and None: they select SQL, not bind.

PostgreSQL plans a query every time it receives one, and for the state queries with a few
subqueries planning takes as long as running them. So each compiled query is also prepared
on the server (`PREPARE`, once per connection) with the shape's constants written in as
literals — a parameter in their place would keep the planner from using partial indexes
such as "open and visible jobs" — and later calls only `EXECUTE` it with the values.
Statements that cannot be prepared (a value type we do not declare) run as plain SQL, and
settings.DATABASE_SERVER_PREPARED = False turns server-side preparation off (a PgBouncer in
transaction-pooling mode, for one, cannot keep a session's prepared statements).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from dataclasses import replace as _replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg2
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet

_lock = threading.Lock()


def _sentinel(value, n: int):
    """The n-th stand-in of one query, of the value's type.

    Integers stay within 0…32767 and decimals within two places: Django answers a lookup
    whose value lies outside the column type's range (a negative number against a positive
    integer column, say) with "no rows" or "all rows" before writing any SQL.
    """
    if isinstance(value, bool) or value is None:
        raise ImproperlyConfigured(
            "prepared queries cannot bind booleans or None; make them part of the shape"
        )
    if isinstance(value, int):
        return 30_011 + n
    if isinstance(value, str):
        return f"\x1aprepared-{n}\x1a"
    if isinstance(value, Decimal):
        return Decimal(f"{73_400_000 + n}.37")
    if isinstance(value, datetime):
        return datetime(1901, 2, 3, 4, 5, 6, n, tzinfo=UTC)
    if isinstance(value, date):
        return date(1901, 2, 3) + timedelta(days=n)
    raise ImproperlyConfigured(f"prepared queries cannot bind a {type(value).__name__}")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, value name)
    converters: tuple  # (column index, converter functions, expression), as the ORM applies
    model: type[Model] | None
    attnames: tuple[str, ...]
    alias: str
    counted: bool = False
    # Server-side: the statement's name, its SQL with $n for the values, the value names in
    # $n order and their types; no name when the statement cannot be prepared.
    statement: str | None = None
    statement_sql: str = ""
    statement_values: tuple[str, ...] = ()


_compiled: dict[Hashable, _Compiled] = {}
_key_of: dict[str, Hashable] = {}  # statement name → its key in _compiled


def _compile_with(build: Callable[[dict], QuerySet], stand_ins: dict):
    queryset = build(stand_ins)
    model = None
    attnames: tuple[str, ...] = ()
    if queryset._iterable_class.__name__ == "ModelIterable":
        # Whole objects: read the concrete fields in order and build them with from_db;
        # annotations come after them and are set as attributes.
        model = queryset.model
        fields = tuple(f.attname for f in model._meta.concrete_fields)
        attnames = fields + tuple(queryset.query.annotation_select)
        queryset = queryset.values_list(*attnames)
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    return queryset, compiler, sql, tuple(params), model, attnames


def _compile(
    shape: Hashable, build: Callable[[dict], QuerySet], values: dict, *, counted: bool = False
) -> _Compiled:
    names = list(values)
    first = {name: _sentinel(values[name], 2 * i) for i, name in enumerate(names, 1)}
    second = {name: _sentinel(values[name], 2 * i + 1) for i, name in enumerate(names, 1)}
    queryset, compiler, sql, params, model, attnames = _compile_with(build, first)
    _qs, _c, sql_again, params_again, _m, _a = _compile_with(build, second)
    # Where the two compilations differ is exactly where the values go; anything else
    # differing (or a value landing nowhere) means the value shapes the SQL itself.
    by_value = {v: name for name, v in first.items()}
    slots = []
    for i, (a, b) in enumerate(zip(params, params_again, strict=True)):
        if a != b:
            name = by_value.get(_hashable(a))
            if name is None or second[name] != b:
                raise ImproperlyConfigured(
                    f"prepared query {shape!r}: parameter {i} does not bind as a value"
                )
            slots.append((i, name))
    missing = set(names) - {name for _i, name in slots}
    if sql != sql_again or missing:
        raise ImproperlyConfigured(
            f"prepared query {shape!r}: {sorted(missing) or 'the SQL'} does not bind as parameters"
        )
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = tuple(
        (i, tuple(funcs), expression)
        for i, (funcs, expression) in compiler.get_converters(fields).items()
    )
    if counted:
        # The ORM's own SQL, wrapped: no value is formatted into the text.
        sql, converters = f"SELECT COUNT(*) FROM ({sql}) AS counted", ()  # noqa: S608
    statement, statement_sql, statement_values = _server_statement(
        sql, params, dict(slots), values, queryset.db
    )
    return _Compiled(
        sql=sql,
        params=params,
        slots=tuple(slots),
        converters=converters,
        model=model,
        attnames=attnames,
        alias=queryset.db,
        counted=counted,
        statement=statement,
        statement_sql=statement_sql,
        statement_values=statement_values,
    )


# Python type → the SQL type a prepared statement declares for it (bool before int).
_SQL_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (str, "text"),
    (Decimal, "numeric"),
    (datetime, "timestamptz"),
    (date, "date"),
    (timedelta, "interval"),
)
_PLACEHOLDER = re.compile(r"%(%|s)")
_names = itertools.count(1)


def _sql_type(value) -> str | None:
    for python_type, sql_type in _SQL_TYPES:
        if isinstance(value, python_type):
            return sql_type
    return None


def _server_statement(sql: str, params: tuple, slots: dict, values: dict, alias: str):
    """(name, `PREPARE` text, value names in $n order), or (None, "", ()) if not preparable."""
    order: list[str] = []
    types: list[str] = []
    for name in dict.fromkeys(slots.values()):
        sql_type = _sql_type(values[name])
        if sql_type is None:
            return None, "", ()
        order.append(name)
        types.append(sql_type)
    raw = connections[alias].connection
    if raw is None:
        connections[alias].ensure_connection()
        raw = connections[alias].connection
    literal_cursor = raw.cursor()
    position = iter(range(len(params)))

    def replace(match):
        if match.group(1) == "%":
            return "%"
        i = next(position)
        if i in slots:
            return f"${order.index(slots[i]) + 1}"
        # A constant of the shape: written in, so the planner sees it (partial indexes).
        return literal_cursor.mogrify("%s", [params[i]]).decode()

    try:
        body = _PLACEHOLDER.sub(replace, sql)
    finally:
        literal_cursor.close()
    name = f"asisten_prepared_{next(_names)}"
    declared = f" ({', '.join(types)})" if types else ""
    return name, f"PREPARE {name}{declared} AS {body}", tuple(order)


def _prepared_here(connection) -> set[str]:
    """Names of the statements prepared on this database session (a new one starts empty)."""
    raw = connection.connection
    held = getattr(connection, "_asisten_prepared", None)
    if held is None or held[0] is not raw:
        held = (raw, set())
        connection._asisten_prepared = held
    return held[1]


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value


def _prepare(connection, compiled: _Compiled) -> bool:
    """`PREPARE` the statement on this connection's session; False if PostgreSQL refuses.

    Sent on the driver's own cursor: like the statements Django sends when it opens a
    connection, this one-off set-up is not a query of the request that happens to come
    first (so query counts stay the same whichever request that is). Inside a transaction
    a savepoint keeps a refusal from aborting it.
    """
    in_transaction = not connection.get_autocommit()
    with connection.connection.cursor() as cursor:
        try:
            if in_transaction:
                cursor.execute("SAVEPOINT asisten_prepare")
            if not _prepared_here(connection):
                # Plan each statement once for all values. PostgreSQL's default replans a
                # statement whose one-size plan looks dearer than its first five custom
                # ones (a keyset page's row comparison does): a planning per request.
                # Only our prepared statements use the session's plan cache.
                cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute(compiled.statement_sql)
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT asisten_prepare")
        except psycopg2.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT asisten_prepare")
            return False
    return True


def _run(cursor, connection, compiled: _Compiled, params: list, values: dict) -> None:
    if compiled.statement is None or not getattr(settings, "DATABASE_SERVER_PREPARED", True):
        cursor.execute(compiled.sql, params)
        return
    prepared_here = _prepared_here(connection)
    if compiled.statement not in prepared_here:
        if not _prepare(connection, compiled):
            _compiled[_key_of[compiled.statement]] = _replace(compiled, statement=None)
            cursor.execute(compiled.sql, params)
            return
        prepared_here.add(compiled.statement)
    arguments = [values[name] for name in compiled.statement_values]
    placeholders = ", ".join(["%s"] * len(arguments))
    cursor.execute(
        f"EXECUTE {compiled.statement}({placeholders})"
        if arguments
        else f"EXECUTE {compiled.statement}",
        arguments,
    )


def _execute(
    shape: Hashable, build: Callable[[dict], QuerySet], values: dict, *, counted: bool = False
):
    key = (shape, counted)
    compiled = _compiled.get(key)
    if compiled is None:
        with _lock:
            compiled = _compiled.get(key) or _compile(shape, build, values, counted=counted)
            _compiled[key] = compiled
            if compiled.statement:
                _key_of[compiled.statement] = key
    params = list(compiled.params)
    for position, name in compiled.slots:
        params[position] = values[name]
    connection = connections[compiled.alias]
    with connection.cursor() as cursor:
        _run(cursor, connection, compiled, params, values)
        rows = cursor.fetchall()
    if compiled.converters:
        converted = []
        for row in rows:
            row = list(row)
            for i, funcs, expression in compiled.converters:
                value = row[i]
                for func in funcs:
                    value = func(value, expression, connection)
                row[i] = value
            converted.append(tuple(row))
        rows = converted
    return compiled, rows


def rows(shape: Hashable, build: Callable[[dict], QuerySet], **values) -> list[tuple]:
    """The rows of a `values_list()` query, compiled once for `shape`."""
    return _execute(shape, build, values)[1]


def objects(shape: Hashable, build: Callable[[dict], QuerySet], **values) -> list[Model]:
    """Model instances of a query of one model: its concrete fields, plus any annotations
    as attributes (no select_related, no prefetching)."""
    compiled, found = _execute(shape, build, values)
    model = compiled.model
    if model is None:
        raise ImproperlyConfigured(f"prepared query {shape!r} does not return model instances")
    n = len(model._meta.concrete_fields)
    fields, extra = compiled.attnames[:n], compiled.attnames[n:]
    instances = []
    for row in found:
        instance = model.from_db(compiled.alias, fields, row[:n])
        for name, value in zip(extra, row[n:], strict=True):
            setattr(instance, name, value)
        instances.append(instance)
    return instances


def scalar(shape: Hashable, build: Callable[[dict], QuerySet], default=None, **values):
    """The first column of the first row (a count, say), or `default` when there is none."""
    found = rows(shape, build, **values)
    return found[0][0] if found else default


def count(shape: Hashable, build: Callable[[dict], QuerySet], **values) -> int:
    """`SELECT COUNT(*)` of the query's rows (slice the query to bound the count)."""
    return _execute(shape, build, values, counted=True)[1][0][0]


def statement_text(sql: str) -> str:
    """The SQL behind a logged `EXECUTE asisten_prepared_N(...)` (its `PREPARE` text), or the
    logged SQL itself: for tests and EXPLAINs that read what a page really ran."""
    match = re.match(r"EXECUTE (asisten_prepared_\d+)", sql)
    if match is None:
        return sql
    for compiled in list(_compiled.values()):
        if compiled.statement == match.group(1):
            return compiled.statement_sql
    return sql


def forget() -> None:
    """Drop every compiled query (tests that change the schema or the database)."""
    with _lock:
        _compiled.clear()
        _key_of.clear()
