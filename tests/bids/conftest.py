import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas are created per test; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
