"""Who may see what in accounts: one predicate per question, shared by views, templates and tests."""

from django.db.models import QuerySet

from accounts.models import PortfolioItem, User


def can_download_portfolio_files_of(user, owner: User) -> bool:
    """Portfolio files are private: their owner and staff. Clients see them as bid samples (bids app)."""
    return bool(user.is_authenticated and (user.is_staff or owner.pk == user.pk))


def portfolio_items_downloadable_by(user) -> QuerySet[PortfolioItem]:
    """The portfolio items whose files `user` may open; use for scoped lookups (404 otherwise)."""
    if not user.is_authenticated:
        return PortfolioItem.objects.none()
    if user.is_staff:
        return PortfolioItem.objects.all()
    return PortfolioItem.objects.filter(profile__user=user)
