"""Who may see or act on bids, samples and interviews (used by views, templates and tests)."""

from bids.models import Bid, Interview, WorkSample


def can_view_bid(user, bid: Bid) -> bool:
    """Bids are sealed: the VA who made it, the job's client, and staff."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.pk in (bid.va_id, bid.job.client_id)


def can_review_bids(user, job) -> bool:
    """The bid review page of a job: its client, and staff (read-only)."""
    return user.is_authenticated and (user.is_staff or job.client_id == user.pk)


def can_decide_on_bids(user, job) -> bool:
    """Shortlist, reject, interview and hire: only the job's own client."""
    return user.is_authenticated and job.client_id == user.pk


def can_view_sample(user, sample: WorkSample) -> bool:
    return can_view_bid(user, sample.bid)


def can_view_interview(user, interview: Interview) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or user.pk in (interview.bid.va_id, interview.bid.job.client_id)


def is_interview_party(user, interview: Interview) -> bool:
    return user.is_authenticated and user.pk in (interview.bid.va_id, interview.bid.job.client_id)
