"""Query plans for index tests: what PostgreSQL would do with a production-sized table.

A test table is small, so the planner may rightly scan it whole or sort it; these helpers
analyse it, merge GIN pending lists (rows written in the test's transaction wait there
until a vacuum, and the planner prices that list as slow) and switch sequential scans
off, so that a plan shows whether an index *can* serve the query.
"""

from django.db import connection


def plan_of(sql: str, params=(), *, tables=("jobs_job",), gin=()) -> str:
    with connection.cursor() as cursor:
        for index in gin:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")


def plan_of_queryset(queryset, **options) -> str:
    sql, params = queryset.query.sql_with_params()
    return plan_of(sql, params, **options)
