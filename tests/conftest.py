"""Shared fixtures."""

import pytest
from helpers import scheme_dict

from kpiscore import Scheme, load_scheme


@pytest.fixture
def base_scheme() -> Scheme:
    return load_scheme(scheme_dict())
