"""Fill the VA directory's stored columns for the profiles that already exist: the search
vector (accounts.services) and the rating and completed contracts (contracts.services).

Both run the services' own statements, so the backfill can never disagree with what the
services write later. On a fresh database there are no profiles and nothing runs (so a
later change to those statements cannot break migrating from scratch).
"""

from django.db import migrations


def backfill(apps, schema_editor):
    VAProfile = apps.get_model("accounts", "VAProfile")
    ids = list(VAProfile.objects.values_list("pk", flat=True))
    if not ids:
        return
    from accounts.services import va_search_vectors_refresh
    from contracts.services import va_stats_refresh

    va_search_vectors_refresh(profile_ids=ids)
    va_stats_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_va_directory"),
        ("contracts", "0002_workspace"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
