"""Reconcile one day's payments and payouts with the providers (what the daily task does)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from payments import reconciliation


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--day must be YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Compare one day's payments and payouts with each provider's records."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD in TIME_ZONE (default: yesterday)")
        parser.add_argument(
            "--provider",
            action="append",
            choices=sorted(reconciliation.PROVIDER_CURRENCIES),
            help="only this provider (repeatable; default: every configured one)",
        )

    def handle(self, *args, **options):
        day = _day(options["day"]) if options["day"] else reconciliation.yesterday()
        names = options["provider"] or reconciliation.configured_providers()
        if not names:
            raise CommandError("No payment provider is configured.")
        failed = False
        for provider in names:
            if not reconciliation.providers.configured(provider):
                self.stdout.write(f"Skipping {provider}: not configured.")
                failed = True
                continue
            self.stdout.write(f"Reconciling {provider} for {day.isoformat()}…")
            for run in reconciliation.reconcile_day(provider, day):
                open_issues = run.issues.filter(resolved=False).count()
                line = (
                    f"  {run.provider} {run.currency}: {run.status} — {run.our_count} ours, "
                    f"{run.provider_count} at the provider, {open_issues} open differences"
                )
                if run.status == run.Status.FAILED:
                    failed = True
                    line += f" ({run.error})"
                self.stdout.write(line)
        if failed:
            raise CommandError("Some providers could not be reconciled; see above.")
