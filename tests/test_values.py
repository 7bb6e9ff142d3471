import numpy as np
import pandas as pd
import pytest

from kpiscore.core.values import fmt_fixed, fmt_plain, fold, parse_number, round_half_up


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (20 * 0.801 / 0.8, 2, 20.03),    # 20.025 on paper; float() holds 20.024999999999995; Excel gives 20.03
    (15 * 0.8031 / 0.9, 2, 13.39),   # 13.385 on paper; float round() gives 13.38
    (2.675, 2, 2.68),                # the classic: round(2.675, 2) == 2.67
    (1.005, 2, 1.01),
    (-2.5, 0, -3.0),                 # half away from zero, as Excel
    (0.5, 0, 1.0),
    (14.666666, 2, 14.67),
    (13.2349, 2, 13.23),             # not a tie: stays down
    (69.995, 2, 70.0),
])
def test_round_half_up_matches_excel(value, decimals, expected):
    assert round_half_up(np.array([value]), decimals)[0] == expected


def test_naive_rounding_really_differs():
    assert round(20 * 0.801 / 0.8, 2) == 20.02
    assert round(15 * 0.8031 / 0.9, 2) == 13.38


def test_round_keeps_nan():
    out = round_half_up(pd.Series([np.nan, 1.234]), 2)
    assert np.isnan(out[0]) and out[1] == 1.23


@pytest.mark.parametrize(("text", "expected"), [
    ("88%", (0.88, True)), ("0.88", (0.88, False)), ("８８％", (0.88, True)), (" 91.5 % ", (0.915, True)),
    ("1,234", (1234.0, False)), ("-3", (-3.0, False)), ("abc", None), ("", None), ("1,23", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_fold_is_nfkc_and_trim():
    assert fold(" 首次响应时长（秒） ") == "首次响应时长(秒)"


def test_formats():
    assert list(fmt_plain(pd.Series([0.88, 0.915]), percent=True)) == ["88%", "91.5%"]
    assert list(fmt_plain(pd.Series([3.0, 4.33333333]))) == ["3", "4.3333"]
    assert list(fmt_fixed(pd.Series([26.5, 14.67]), 2)) == ["26.50", "14.67"]
