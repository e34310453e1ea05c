"""Who may do what on a contract. Used by views, templates and tests alike."""

from contracts.models import Contract


def can_view_contract(user, contract: Contract) -> bool:
    """The two parties and staff; everyone else gets a 404."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.pk in (contract.client_id, contract.va_id)


def is_party(user, contract: Contract) -> bool:
    return user.is_authenticated and user.pk in (contract.client_id, contract.va_id)


def is_client_of(user, contract: Contract) -> bool:
    return user.is_authenticated and user.pk == contract.client_id


def is_va_of(user, contract: Contract) -> bool:
    return user.is_authenticated and user.pk == contract.va_id
