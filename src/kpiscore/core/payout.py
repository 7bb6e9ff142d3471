"""Payout: how the grades' coefficients become money, in one of three ways a department writes its rule.

- `base`: a per-person bonus base × the coefficient;
- `units`: the team's work volume × unit prices ÷ its assessed headcount is the base
  ("(锁具的安装把数×单价+锁具的维修把数×单价)÷部门参加月度考核的总人数");
- `pool`: a team amount shared by coefficient (× an optional weight such as base salary), rounded to cents by
  the largest-remainder method so that the payouts add up to the pool exactly.

Each may be pro-rated by days worked. This module owns the YAML model, its checks, the arithmetic and its
words; it reads no files: the readers hand it typed per-person columns and each team's figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from .quantities import Number
from .rulebase import Problem
from .values import MONEY_LIMIT, fold, round_half_up, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd

#: the team of a round without groups, or of a pool given as one number
EVERYONE = ""
#: the per-team table's columns (`Paid.teams`)
TEAM_COLUMNS = ["team", "headcount", "amount", "base", "shares", "paid", "remainder", "takers"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prorate(Model):
    """`{column: 出勤天数, of: 应出勤天数}`: a joiner's payout × days ÷ days due."""

    column: str
    of: str


class TeamFigure(Model):
    """`{source: teams, column: 奖金池}`: a figure per team, from a source keyed by group."""

    source: str
    column: str


class Units(Model):
    """Work volume × unit prices: `prices` names the count columns, read from a teams `source` (one row per
    group) or, without one, from the input's own columns (the same value on every row of a team)."""

    source: str | None = None
    prices: dict[str, Annotated[Number, Field(ge=0)]] = Field(min_length=1)


def _pool_kind(value: Any) -> str:
    """A pool is an amount, or a mapping naming a teams source: only the form written is checked, so a typo
    in an amount is one error, not one per form (the tags are the names `document` leaves out of a path)."""
    return "dict" if isinstance(value, dict | TeamFigure) else "float"


class Payout(Model):
    """The scheme's `payout:`."""

    mode: Literal["base", "pool", "units"] = "base"
    base: str | None = None
    pool: Annotated[Annotated[Annotated[Number, Field(ge=0)], Tag("float")] | Annotated[TeamFigure, Tag("dict")],
                    Discriminator(_pool_kind)] | None = None
    units: Units | None = None
    weight: str | None = None
    prorate: Prorate | None = None

    @property
    def team_source(self) -> str | None:
        """The source that gives each team its pool or unit counts."""
        if self.mode == "pool" and isinstance(self.pool, TeamFigure):
            return self.pool.source
        if self.mode == "units" and self.units is not None:
            return self.units.source
        return None

    @property
    def team_columns(self) -> list[str]:
        """The columns that hold a team's figures: its pool, or its unit counts."""
        if self.mode == "pool" and isinstance(self.pool, TeamFigure):
            return [self.pool.column]
        return list(self.units.prices) if self.mode == "units" and self.units is not None else []

    @property
    def unit_columns(self) -> list[str]:
        """Unit counts read from the input's own columns (a team's value on each of its rows)."""
        return self.team_columns if self.mode == "units" and self.team_source is None else []

    @property
    def person_columns(self) -> list[str]:
        """The per-person number columns of the input: the base, the weight, the days."""
        out = [self.base] if self.mode == "base" and self.base else []
        out += [self.weight] if self.mode == "pool" and self.weight else []
        return out + ([self.prorate.column, self.prorate.of] if self.prorate else [])

    @property
    def by_team(self) -> bool:
        """Whether each group is its own team; a pool given as one number is the whole round's."""
        return not (self.mode == "pool" and not isinstance(self.pool, TeamFigure))

    def problems(self) -> Iterator[Problem]:
        """What the mode needs and what it does not use, each at its key."""
        needs = {"base": self.base, "pool": self.pool, "units": self.units}
        if needs[self.mode] is None:
            yield Problem("payout_needs", {"mode": self.mode, "key": self.mode}, ("mode",))
        for key, value in needs.items():
            if key != self.mode and value is not None:
                yield Problem("payout_unused", {"mode": self.mode, "key": key}, (key,))
        if self.weight is not None and self.mode != "pool":
            yield Problem("payout_unused", {"mode": self.mode, "key": "weight"}, ("weight",))
        limit = {"limit": f"{MONEY_LIMIT:,.0f}"}
        if isinstance(self.pool, float) and self.pool > MONEY_LIMIT:
            yield Problem("payout_amount_range", limit, ("pool",))
        seen: set[str] = set()
        for column, price in (self.units.prices if self.units else {}).items():
            if price > MONEY_LIMIT:
                yield Problem("payout_amount_range", limit, ("units", "prices", column))
            if fold(column) in seen:  # 锁具 and 锁具␣ are one column of the input
                yield Problem("price_column_twice", {"column": column}, ("units", "prices", column))
            seen.add(fold(column))


def team_keys(group: pd.Series | None, spec: Payout) -> pd.Series | None:
    """Each row's team as teams are matched: the folded group, or None for one team of everyone. Each
    distinct group is folded once: a million rows hold a few hundred teams."""
    if group is None or not spec.by_team:
        return None
    code, uniques = pd.factorize(group)
    folded = np.array([*(fold(str(u)) for u in uniques), EVERYONE], dtype=object)
    return pd.Series(folded[code], index=group.index)


def team_values(values: pd.Series, team: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A team's figure read from a column each of its rows repeats: the first value per team, the row it is
    in, and the rows whose value differs from it (a typo that would otherwise pay a team on a wrong count)."""
    keys = team if team is not None else pd.Series(EVERYONE, index=values.index)
    present = values.dropna()
    at = keys[present.index]
    firsts = ~at.duplicated()
    first = pd.Series(present[firsts].to_numpy(), index=at[firsts].to_numpy())
    first_row = pd.Series(present.index[firsts.to_numpy()], index=at[firsts].to_numpy())
    return first, first_row, values.notna() & (values != keys.map(first))


@dataclass(frozen=True)
class Paid:
    """Every payout and how it came about: `parts` per row (team, base, factor, share, exact, cent) and the
    per-team sums (`TEAM_COLUMNS`)."""

    spec: Payout
    payout: pd.Series
    parts: pd.DataFrame
    teams: pd.DataFrame
    #: each team's shown name (the group as typed, None for everyone) and its unit counts, by team key
    names: dict[str, str | None]
    counts: pd.DataFrame


def pay(spec: Payout, coefficient: pd.Series, inputs: pd.DataFrame, group: pd.Series | None,
        figures: pd.DataFrame | None) -> Paid:
    """Every person's payout. `inputs` holds the per-person columns (`person_columns`, unit columns) by
    folded name; `figures` each team's pool or unit counts by folded group (from a teams source), else
    the unit columns' values are the team's. Worked on each row's team number, in arrays."""
    index = coefficient.index
    keys = team_keys(group, spec)
    team = keys if keys is not None else pd.Series(EVERYONE, index=index)
    code, uniques = pd.factorize(team)
    first = np.unique(code, return_index=True)[1]
    shown = group.astype(object).where(group.notna(), None) if keys is not None and group is not None \
        else pd.Series(None, index=index, dtype=object)
    names = {key: None if pd.isna(name) else name for key, name in zip(uniques, shown.iloc[first], strict=True)}
    factor = np.ones(len(index))
    parts = pd.DataFrame({"team": team, "code": code}, index=index)
    if spec.prorate is not None:
        parts["days"] = inputs[fold(spec.prorate.column)]
        parts["of"] = inputs[fold(spec.prorate.of)]
        factor = (parts["days"] / parts["of"]).to_numpy()
    teams = pd.DataFrame({"team": uniques, "headcount": np.bincount(code, minlength=len(uniques))})
    if figures is None and spec.team_columns:  # unit counts from the input's own columns
        figures = pd.DataFrame({fold(c): team_values(inputs[fold(c)], keys)[0] for c in spec.team_columns})
    counts = figures[[fold(c) for c in spec.team_columns]].reindex(uniques) if figures is not None \
        else pd.DataFrame(index=uniques)
    for key in ("amount", "base", "shares", "remainder"):
        teams[key] = np.nan
    teams["takers"] = [[] for _ in range(len(teams))]
    c = coefficient.to_numpy(dtype=float)
    if spec.mode == "pool":
        parts["weight"] = inputs[fold(spec.weight)] if spec.weight else 1.0
        teams["amount"] = counts.iloc[:, 0].to_numpy() if isinstance(spec.pool, TeamFigure) else float(spec.pool or 0)
        payout = _shared(parts, c * parts["weight"].to_numpy(dtype=float) * factor, teams)
    else:
        if spec.mode == "units":
            prices = pd.Series({fold(k): p for k, p in (spec.units.prices if spec.units else {}).items()})
            teams["amount"] = counts[prices.index].mul(prices, axis=1).sum(axis=1, min_count=1).to_numpy()
            teams["base"] = round_half_up(teams["amount"] / teams["headcount"], 2)
            parts["base"] = teams["base"].to_numpy()[code]
        else:
            parts["base"] = inputs[fold(spec.base or "")]
        payout = round_half_up(parts["base"].to_numpy(dtype=float) * c * factor, 2)
    paid = np.bincount(code, weights=np.nan_to_num(payout), minlength=len(teams))
    teams["paid"] = np.where(np.bincount(code, weights=~np.isnan(payout), minlength=len(teams)) > 0, paid, np.nan)
    return Paid(spec, pd.Series(payout, index=index), parts, teams[TEAM_COLUMNS], names, counts)


def _shared(parts: pd.DataFrame, share: np.ndarray, teams: pd.DataFrame) -> np.ndarray:
    """Each team's pool × share ÷ the team's Σ share, in whole cents: every share's cents floored, then the
    cents left over go one each to the largest remainders (a larger share first at a tie, then the earlier
    row), so the payouts add up to the pool exactly. A blank share (no coefficient) takes nothing; where
    every share is 0, everyone takes 0 and the pool is said to be unpaid."""
    code, k = parts["code"].to_numpy(), len(teams)
    valid = ~np.isnan(share)
    total = np.bincount(code, weights=np.where(valid, share, 0.0), minlength=k)
    pool_cents = round_half_up(teams["amount"].to_numpy(dtype=float) * 100, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(total[code] > 0, pool_cents[code] * share / total[code], 0.0)
    exact[~valid] = np.nan
    floor = np.floor(snap(exact))
    left = np.where(total > 0, pool_cents - np.bincount(code, weights=np.nan_to_num(floor), minlength=k), 0.0)
    at = np.arange(len(share))
    order = np.lexsort((at, -np.nan_to_num(share), np.where(valid, floor - exact, np.inf), code))
    ranked = code[order]
    place = np.empty(len(share), dtype=np.int64)
    place[order] = at - np.searchsorted(ranked, ranked)  # the place within its team, largest remainder first
    cent = (place < left[code]) & valid
    parts["share"], parts["exact"], parts["cent"] = share, exact / 100, cent
    teams["shares"], teams["remainder"] = total, left / 100
    takers = pd.Series(parts.index[cent]).groupby(code[cent]).agg(list)
    teams["takers"] = [takers.get(t, []) for t in range(k)]
    return (floor + cent) / 100


def paid_table(paid: Paid, people: pd.DataFrame) -> pd.DataFrame:
    """The Payout sheet's rows: per team its name, headcount, amount, base, Σ payouts, the remainder and
    who took it (names), and the formula in words come from `Paid.formula`."""
    rows = paid.teams.copy()
    name = people["name"].where(people["name"].notna(), people["id"])
    rows["takers"] = [list(map(str, name[r])) for r in rows["takers"]]
    rows.insert(1, "name", rows["team"].map(paid.names))
    return rows

