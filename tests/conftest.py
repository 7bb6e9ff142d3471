"""Shared fixtures."""

import os

import pytest
from helpers import scheme_dict

from kpiscore import Scheme, load_scheme

# the console takes the terminal's width when it is made: a COLUMNS the runner set (pytest-xdist's workers have
# one) would fix it before a test gives its own
os.environ.pop("COLUMNS", None)


@pytest.fixture
def base_scheme() -> Scheme:
    return load_scheme(scheme_dict())


#: the test modules that run LibreOffice, which a second instance of the same profile cannot run beside
LIBREOFFICE = {"test_excel_parity", "test_paper", "test_real_files", "test_slips", "test_template", "test_workbook"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With two workers (`-n 2`), LibreOffice's tests run one after another on one of them."""
    for item in items:
        if item.module is not None and item.module.__name__ in LIBREOFFICE:
            item.add_marker(pytest.mark.xdist_group("libreoffice"))
