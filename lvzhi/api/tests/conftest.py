import pytest
from django.test import Client

from lvzhi.accounts.models import ApiToken


@pytest.fixture
def token_for():
    def issue(user, name="测试"):
        _, key = ApiToken.issue(user=user, name=name)
        return key

    return issue


@pytest.fixture
def api_as(token_for):
    """A client that calls the API with a bearer token of ``user``."""

    def make(user):
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make
