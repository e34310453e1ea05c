"""`{% load contract_ratings %}{% va_rating user as summary %}` for profile templates."""

from django import template

from contracts.ratings import attach_va_ratings, client_rating_summary, va_rating_summary

register = template.Library()


@register.simple_tag
def va_rating(user, recent: int = 3):
    return va_rating_summary(user, recent=recent)


@register.simple_tag
def client_rating(user, recent: int = 3):
    return client_rating_summary(user, recent=recent)


@register.simple_tag(takes_context=True)
def bid_va_rating(context, bid):
    """The VA's rating for a bid on the bid review page, without a query per bid.

    The first call rates every bid in the page's `bids` list at once (two queries, see
    contracts.ratings.attach_va_ratings); later calls find `bid.va_rating` already set.
    """
    if not hasattr(bid, "va_rating"):
        page_bids = context.get("bids")
        page_bids = list(page_bids) if isinstance(page_bids, list | tuple) else []
        if not any(item is bid for item in page_bids):
            page_bids.append(bid)
        attach_va_ratings(page_bids)
    return bid.va_rating
