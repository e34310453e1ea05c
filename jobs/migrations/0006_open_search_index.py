import django.contrib.postgres.indexes
from django.db import migrations, models

# Add the board's filter lexemes to every search vector (jobs.services._SEARCH_VECTOR_SQL).
ADD_FILTER_TOKENS = """
UPDATE jobs_job SET search_vector = search_vector || array_to_tsvector(ARRAY[
    'pay=' || lower(pay_type), 'currency=' || lower(currency), 'category=' || category_id::text
]) WHERE search_vector IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_updated_at_index"),
    ]

    operations = [
        migrations.RunSQL(ADD_FILTER_TOKENS, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="job",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("hidden_at__isnull", True), ("status", "open")),
                fields=["search_vector"],
                name="job_open_search",
            ),
        ),
    ]
