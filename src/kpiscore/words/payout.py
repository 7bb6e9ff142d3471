"""The payout in words: each person's calculation (the Audit sheet, the slip, `explain`) and each team's
rule (the Payout and Scheme sheets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.payout import Paid
from ..core.say import Say
from ..core.values import fill, fmt_fixed, fmt_plain, fold, one

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from ..core.lazy import np, pd


def calculation(paid: Paid, coefficient: pd.Series, say: Say, rows: slice | None = None) -> pd.Series:
    """Each payout in words: `1300.00 × 1.2 = 1560.00`, `1300.00 × 1.0 × 20/30 = 866.67`, or a pool's
    `5200.00 × 1.0 ÷ 4.2 = 1238.0952 → 1238.10（分得尾差 0.01）`; a units base comes with its formula."""
    rows = rows or slice(None)
    spec, parts, c = paid.spec, paid.parts.iloc[rows], coefficient.iloc[rows]
    money = fmt_fixed(paid.payout.iloc[rows], 2)
    factor = pd.Series("", index=parts.index)
    if spec.prorate is not None:  # said where it changes something: 20/30, not 30/30
        factor = (" × " + fmt_plain(parts["days"]) + "/" + fmt_plain(parts["of"])).where(
            parts["days"] != parts["of"], "")
    c = _coefficient(c)
    if spec.mode == "pool":
        code = parts["code"].to_numpy()
        amount = fmt_fixed(pd.Series(paid.teams["amount"].to_numpy()[code], index=parts.index), 2)
        weight = " × " + fmt_plain(parts["weight"]) if spec.weight else ""
        shares = fmt_plain(pd.Series(paid.teams["shares"].to_numpy()[code], index=parts.index))
        text = (amount + " × " + c + weight + factor + " ÷ " + shares + " = "
                + parts["exact"].map("{:.4f}".format) + " → " + money)
        cent = fill(say.pattern("payout_cent"), cent=pd.Series("0.01", index=parts.index))
        text = text.where(~parts["cent"].astype(bool), text + cent)
    else:
        text = fmt_fixed(parts["base"], 2) + " × " + c + factor + " = " + money
        if spec.mode == "units":
            said = np.array(list(base(paid).values()), dtype=object)[parts["code"].to_numpy()]
            text = said + " → " + text
    return text.where(paid.payout.iloc[rows].notna(), say.label("not_applicable"))


def base(paid: Paid) -> dict[str, str]:
    """Each team's units base: `(120 × 30 + 80 × 20) ÷ 4 = 1300.00`."""
    prices = paid.spec.units.prices if paid.spec.units else {}
    out = {}
    for row in paid.teams.itertuples():  # one line per team, not per person
        terms = " + ".join(f"{one(paid.counts.at[row.team, fold(c)])} × {one(p)}" for c, p in prices.items())
        out[row.team] = f"({terms}) ÷ {row.headcount} = {row.base:.2f}"
    return out


def formula(paid: Paid, say: Say) -> dict[str, str]:
    """Each team's rule in words, for the Payout sheet."""
    spec, pay = paid.spec, say.label("payout")
    factor = f" × {spec.prorate.column} ÷ {spec.prorate.of}" if spec.prorate else ""
    coefficient = say.label("coefficient")
    if spec.mode == "pool":
        weighted = f"{coefficient} × {spec.weight}" if spec.weight else coefficient
        said = say("payout_pool_formula", pay=pay, share=weighted + factor)
        return dict.fromkeys(paid.teams["team"], said)
    if spec.mode == "units":
        bases = base(paid)
        return {t: say("payout_units_formula", base=bases[t], pay=pay, coefficient=coefficient + factor)
                for t in paid.teams["team"]}
    said = f"{pay} = {spec.base} × {coefficient}{factor}"
    return dict.fromkeys(paid.teams["team"], said)


def _coefficient(c: pd.Series) -> pd.Series:
    """A coefficient as a grade table writes it, with a decimal: 1.0, 1.2, 0.85."""
    text = fmt_plain(c)
    return text.where(text.str.contains(r"\.|nan", regex=True), text + ".0")
