"""Fill the VA directory's stored columns for the profiles that already exist: the search
vector, and the rating and completed contracts.

Self-contained on purpose: plain SQL against the tables as they are at this point of the
migration history, copied from what accounts.services (`_VA_SEARCH_VECTOR_SQL`) and
contracts.services (`va_stats_refresh`, reviews visible per `ReviewQuerySet.visible`: the
other side reviewed too, or the 14-day review window closed) wrote when it was made. A
later change to those services cannot break migrating from scratch, and once the
services change, they keep the columns current themselves.
"""

from django.db import migrations

SEARCH_VECTORS = """
UPDATE accounts_vaprofile AS p SET search_vector =
    setweight(to_tsvector('english', p.headline), 'A')
    || setweight(to_tsvector('indonesian', p.headline), 'A')
    || setweight(to_tsvector('english', src.skills), 'B')
    || setweight(to_tsvector('indonesian', src.skills), 'B')
    || setweight(to_tsvector('english', src.portfolio || ' ' || p.bio), 'C')
    || setweight(to_tsvector('indonesian', src.portfolio || ' ' || p.bio), 'C')
FROM (
    SELECT p2.id,
        coalesce((
            SELECT string_agg(s.name, ' ')
            FROM accounts_vaprofile_skills ps JOIN jobs_skill s ON s.id = ps.skill_id
            WHERE ps.vaprofile_id = p2.id
        ), '') AS skills,
        coalesce((
            SELECT string_agg(i.title, ' ') FROM accounts_portfolioitem i WHERE i.profile_id = p2.id
        ), '') AS portfolio
    FROM accounts_vaprofile p2
) AS src
WHERE p.id = src.id
"""

VA_STATS = """
UPDATE accounts_vaprofile AS p SET
    rating_average = coalesce(r.average, 0),
    rating_count = coalesce(r.n, 0),
    completed_contracts = coalesce(c.n, 0)
FROM accounts_vaprofile AS p2
LEFT JOIN (
    SELECT rv.subject_id, round(avg(rv.overall)::numeric, 1) AS average, count(*) AS n
    FROM contracts_review rv
    JOIN contracts_contract k ON k.id = rv.contract_id
    WHERE rv.author_role = 'client'
      AND (
        EXISTS (
            SELECT 1 FROM contracts_review o
            WHERE o.contract_id = rv.contract_id AND o.author_id <> rv.author_id
        )
        OR k.ended_at <= now() - interval '14 days'
      )
    GROUP BY rv.subject_id
) AS r ON r.subject_id = p2.user_id
LEFT JOIN (
    SELECT va_id, count(*) AS n FROM contracts_contract
    WHERE status = 'completed' GROUP BY va_id
) AS c ON c.va_id = p2.user_id
WHERE p.id = p2.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_va_directory"),
        ("contracts", "0002_workspace"),
    ]

    operations = [
        migrations.RunSQL(SEARCH_VECTORS, migrations.RunSQL.noop),
        migrations.RunSQL(VA_STATS, migrations.RunSQL.noop),
    ]
