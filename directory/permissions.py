"""Who may save what: one predicate per question, shared by views, templates and tests."""


def can_save_vas(user) -> bool:
    """Clients keep a list of VAs (their own profile never goes on it: directory.services)."""
    return bool(user.is_authenticated and user.is_client)


def can_save_jobs(user) -> bool:
    """VAs keep a list of tasks (never their own: directory.services)."""
    return bool(user.is_authenticated and user.is_va)
