"""VAs for directory tests, written through the real profile service (which keeps the
search vector), and finished contracts with reviews through the contracts services."""

import html
import re
from decimal import Decimal

from accounts import services as account_services
from contracts import services as contract_services
from jobs.models import Category
from tests.contracts.factories import fixed_contract
from tests.factories import ClientFactory, VAFactory

STARS = {"communication": 5, "quality": 5, "timeliness": 5}


def directory_va(*, name: str, email: str | None = None, categories=(), **va_data):
    """A VA whose profile was saved through accounts.services (as the profile page does)."""
    user = VAFactory(name=name, **({"email": email} if email else {}))
    data = {"headline": f"{name} helps small businesses", "bio": "", **va_data}
    if categories:
        data["categories"] = list(Category.objects.filter(slug__in=categories))
    account_services.profile_update(user=user, user_data={}, va_data=data)
    return user


def finished_with_review(va, *, overall: int, client=None):
    """A completed contract with `va`, reviewed by its client and by the VA (visible)."""
    client = client or ClientFactory()
    contract = fixed_contract(client=client, va=va)
    contract_services.contract_complete(contract=contract, client=client)
    contract_services.review_leave(contract=contract, author=client, overall=overall, **STARS)
    contract_services.review_leave(contract=contract, author=va, overall=5, **STARS)
    return contract


def rate(amount: str) -> Decimal:
    return Decimal(amount)


_CARD_NAME = re.compile(r'<h3 id="va-\d+-name"><a href="[^"]*">([^<]*)</a></h3>')


def card_names(response) -> list[str]:
    """The VAs' names on a directory page's cards, in order (read from the HTML: a page
    kept whole for its viewer comes with no template context)."""
    return [html.unescape(n) for n in _CARD_NAME.findall(response.content.decode())]
