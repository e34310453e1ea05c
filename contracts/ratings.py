"""Ratings shown on profiles and on the bid review page, from visible reviews only.

`va_rating_summary(user)` and `client_rating_summary(user)` cost a fixed handful of queries;
`va_rating_summaries(user_ids)` / `attach_va_ratings(bids)` answer for many VAs at once in
two queries, so the bid review page does not grow a query per bid.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count

from contracts.models import Contract, Review


def _round(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class RatingSummary:
    average: Decimal | None = None
    count: int = 0
    communication: Decimal | None = None
    quality: Decimal | None = None
    timeliness: Decimal | None = None
    completed_contracts: int = 0
    recent_reviews: list = field(default_factory=list)
    # Clients only: hires / jobs posted, as a whole percentage (None when nothing posted).
    jobs_posted: int | None = None
    hires: int | None = None
    hire_rate: int | None = None
    role: str = "va"

    @property
    def has_reviews(self) -> bool:
        return self.count > 0

    @property
    def stars(self) -> int:
        """The average rounded to whole stars, for a star row."""
        return (
            int(self.average.quantize(Decimal("1"), rounding=ROUND_HALF_UP)) if self.average else 0
        )


def _aggregate(reviews) -> dict:
    return reviews.aggregate(
        average=Avg("overall"),
        count=Count("pk"),
        communication=Avg("communication"),
        quality=Avg("quality"),
        timeliness=Avg("timeliness"),
    )


def _summary(reviews, *, completed: int, recent: int, role: str) -> RatingSummary:
    numbers = _aggregate(reviews)
    latest = (
        list(reviews.select_related("author", "contract__job").order_by("-created_at")[:recent])
        if recent
        else []
    )
    return RatingSummary(
        average=_round(numbers["average"]),
        count=numbers["count"],
        communication=_round(numbers["communication"]),
        quality=_round(numbers["quality"]),
        timeliness=_round(numbers["timeliness"]),
        completed_contracts=completed,
        recent_reviews=latest,
        role=role,
    )


def va_rating_summary(user, *, recent: int = 3) -> RatingSummary:
    """Average of clients' visible reviews of this VA, completed contracts, recent reviews."""
    reviews = Review.objects.visible().about(user).of_vas()
    completed = Contract.objects.filter(va=user, status=Contract.Status.COMPLETED).count()
    return _summary(reviews, completed=completed, recent=recent, role="va")


def client_rating_summary(user, *, recent: int = 3) -> RatingSummary:
    """Average of VAs' visible reviews of this client, and the client's hire rate."""
    from jobs.models import Job

    reviews = Review.objects.visible().about(user).of_clients()
    hires = Contract.objects.filter(client=user).count()
    completed = Contract.objects.filter(client=user, status=Contract.Status.COMPLETED).count()
    summary = _summary(reviews, completed=completed, recent=recent, role="client")
    posted = Job.objects.filter(client=user, published_at__isnull=False).count()
    summary.jobs_posted = posted
    summary.hires = hires
    summary.hire_rate = round(100 * hires / posted) if posted else None
    return summary


def va_rating_summaries(user_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Rating and completed contracts for many VAs, in two queries (no recent reviews)."""
    ids = sorted(set(user_ids))
    result = {uid: RatingSummary() for uid in ids}
    if not ids:
        return result
    rows = (
        Review.objects.visible()
        .of_vas()
        .filter(subject_id__in=ids)
        .order_by()
        .values("subject_id")
        .annotate(
            average=Avg("overall"),
            count=Count("pk"),
            communication=Avg("communication"),
            quality=Avg("quality"),
            timeliness=Avg("timeliness"),
        )
    )
    for row in rows:
        summary = result[row["subject_id"]]
        summary.average = _round(row["average"])
        summary.count = row["count"]
        summary.communication = _round(row["communication"])
        summary.quality = _round(row["quality"])
        summary.timeliness = _round(row["timeliness"])
    completed = (
        Contract.objects.filter(va_id__in=ids, status=Contract.Status.COMPLETED)
        .order_by()
        .values("va_id")
        .annotate(n=Count("pk"))
    )
    for row in completed:
        result[row["va_id"]].completed_contracts = row["n"]
    return result


def attach_va_ratings(bids) -> list:
    """Set `bid.va_rating` (a RatingSummary) on each bid; returns the bids as a list."""
    bids = list(bids)
    summaries = va_rating_summaries(bid.va_id for bid in bids)
    for bid in bids:
        bid.va_rating = summaries[bid.va_id]
    return bids


# --- for pages that show many VAs (bid review) -------------------------------------------


class BidReviewRatings:
    """The VA's rating on each bid card, computed in the bid review page's own query.

    The bids app never imports contracts (settings.BID_REVIEW_RATINGS names this object):
    it adds `annotations()` to its query of bids, keys each card's cached HTML with the
    values (`state`), and builds a card's RatingSummary from them with `summary()`.
    """

    names = ("rating_reviews", "rating_completed")

    def window_cutoff(self):
        """Reviews of contracts that ended before this show whatever the other side did."""
        from django.utils import timezone

        from contracts.models import REVIEW_WINDOW

        return timezone.now() - REVIEW_WINDOW

    def annotations(self, *, va_ref: str, window_cutoff) -> dict:
        """Subqueries for the VA in column `va_ref`: average and number of visible client
        reviews (one JSON object), completed contracts. `window_cutoff`: see above."""
        from django.db.models import Count, JSONField, OuterRef, Subquery
        from django.db.models.functions import JSONObject

        reviews = (
            Review.objects.of_vas()
            .visible_if_ended_by(window_cutoff)
            .filter(subject_id=OuterRef(va_ref))
            .order_by()
            .values("subject_id")
            .annotate(state=JSONObject(average=Avg("overall"), count=Count("pk")))
            .values("state")
        )
        completed = (
            Contract.objects.filter(va_id=OuterRef(va_ref), status=Contract.Status.COMPLETED)
            .order_by()
            .values("va_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return {
            "rating_reviews": Subquery(reviews, output_field=JSONField()),
            "rating_completed": Subquery(completed),
        }

    def state(self, reviews, completed) -> tuple:
        """The annotated values as a key: what a card shows of the rating."""
        reviews = reviews or {}
        return (reviews.get("average"), reviews.get("count", 0), completed or 0)

    def summary(self, reviews, completed) -> RatingSummary:
        average, count, completed = self.state(reviews, completed)
        return RatingSummary(average=_round(average), count=count, completed_contracts=completed)


BID_REVIEW_RATINGS = BidReviewRatings()
