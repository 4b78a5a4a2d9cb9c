import pytest


@pytest.fixture
def app_config(stripe_config):
    return stripe_config
