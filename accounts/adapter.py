from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Asisten's allauth hooks (roles at sign-up, language of account emails)."""
