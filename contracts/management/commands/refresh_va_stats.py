"""Recompute every VA profile's stored rating and completed contracts (backfill, repair)."""

from django.core.management.base import BaseCommand

from contracts.services import va_stats_refresh


class Command(BaseCommand):
    help = "Recompute the rating and completed contracts stored on every VA profile."

    def handle(self, *args, **options):
        count = va_stats_refresh()
        self.stdout.write(f"Refreshed {count} VA profiles.")
