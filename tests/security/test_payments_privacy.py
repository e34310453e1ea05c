"""Issue 17: a contract's money is for its two parties and staff only.

The world's hired contract is funded through the sandbox; its checkout reference is a
unique token on the statement and the checkout page. Crawling every page in the matrix,
nobody else ever sees it; the parties and staff do (which guards the crawl itself).
"""

import pytest

from tests.security import test_permission_matrix
from tests.security.test_outsiders import _pages_with, _reachable_pages
from tests.security.test_permission_matrix import clients_for

# The same world fixture as the matrix (the hired contract funded through the sandbox).
world = test_permission_matrix.world


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["anonymous", "other_client", "bidding_va", "other_va", "invited_va", "suspended"]
)
def test_a_contracts_payment_reference_never_reaches_anyone_else(world, persona):
    token = str(world.checkout.reference)
    client = clients_for(world)[persona]
    seen = _pages_with(client, token, _reachable_pages(world) + ["/payments/balance/"])
    assert not seen, f"{persona} saw the contract's payment on {seen}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "hired_va", "staff"])
def test_the_parties_and_staff_do_see_it(world, persona):
    token = str(world.checkout.reference)
    client = clients_for(world)[persona]
    assert _pages_with(client, token, [f"/payments/contracts/{world.contract.pk}/"])
