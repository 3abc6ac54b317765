import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_factor_on(settings):
    settings.REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings
