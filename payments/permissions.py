"""Who may see and do what with a contract's money. Used by views, templates and tests."""

from contracts.permissions import can_view_contract, is_client_of


def can_view_payments(user, contract) -> bool:
    """The contract's two parties and staff (everyone else gets a 404)."""
    return can_view_contract(user, contract)


def can_fund(user, contract) -> bool:
    return is_client_of(user, contract)


def can_view_checkout(user, payment) -> bool:
    """The paying client, and staff reading along; others get a 404."""
    return user.is_authenticated and (user.is_staff or user.pk == payment.client_id)


def can_act_on_checkout(user, payment) -> bool:
    """Only the paying client presses pay / fail / expire."""
    return user.is_authenticated and user.pk == payment.client_id


def can_view_payout(user, payout) -> bool:
    """The VA whose withdrawal it is, and staff reading along; others get a 404."""
    return user.is_authenticated and (user.is_staff or user.pk == payout.va_id)


def can_act_on_payout(user, payout) -> bool:
    return user.is_authenticated and user.pk == payout.va_id


def can_view_receipt(user, transaction) -> bool:
    """A contract movement's receipt: its two parties and staff. A withdrawal's: the VA
    whose it is, and staff. Everyone else gets a 404."""
    if transaction.payout_id:
        return can_view_payout(user, transaction.payout)
    return can_view_contract(user, transaction.contract)
