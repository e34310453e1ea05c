"""The Moderators group with exactly the permissions moderation needs (moderation/roles.py).

Permissions are normally created after all migrations ran (post_migrate); create them here
for the models that exist so far, so the group is complete on a fresh database too.
"""

from django.db import migrations


def create_moderators(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from moderation.roles import sync_moderators_group

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    sync_moderators_group(apps, using=schema_editor.connection.alias)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("moderation", "0002_report_constraints_scan"),
        ("accounts", "0002_initial"),
        ("jobs", "0003_board_sorts_and_bid_tracking"),
        ("bids", "0002_interview_proposed_by"),
        ("contracts", "0002_workspace"),
        ("notifications", "0002_outbox_digest_announcements"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
