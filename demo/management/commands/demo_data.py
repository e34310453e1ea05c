"""Load demo data from every app that has a `<app>/demo.py` with `load(stdout)`, in order."""

import importlib
import importlib.util

from django.core.management.base import BaseCommand

# Order matters: later apps build on earlier apps' people and jobs.
DEMO_MODULES = ["accounts.demo", "jobs.demo", "bids.demo", "contracts.demo", "notifications.demo"]


class Command(BaseCommand):
    help = "Load demo clients, VAs and their work (idempotent), then print the demo logins."

    def handle(self, *args, **options) -> None:
        for name in DEMO_MODULES:
            if importlib.util.find_spec(name) is None:
                self.stdout.write(f"{name}: none yet, skipped")
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name}:"))
            importlib.import_module(name).load(self.stdout)

        from accounts.demo import DEMO_PASSWORD, logins

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of these:"))
        for email, name, what in logins():
            self.stdout.write(f"  {email:<30} {name:<16} {what}")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
