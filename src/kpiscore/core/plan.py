"""Batch plans as data: the periods, their inputs, the schemes by role and how the periods roll up.

Models and their checks only; reading a plan file and running it is `batch`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .checks import grade_problems
from .quantities import Number
from .scheme import Grade, Model
from .values import as_label, fold


def _label(value: Any) -> Any:
    """A period written as a number (2024) is the label "2024"; labels are folded, so `Q1 ` is `Q1`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return as_label(value)
    return fold(value) if isinstance(value, str) else value


#: a period label names output files: no folders, no parent, nothing a file system refuses
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]|^\.|^$')


def _file_name(value: str) -> str:
    if _UNSAFE.search(value) or len(value) > 64:
        raise PydanticCustomError("plan_period_name", "{period} cannot name a file", {"period": value})
    return value


Label = Annotated[str, BeforeValidator(_label), AfterValidator(_file_name)]


def _path(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("plan_path_nul", "a path cannot hold a NUL character", {})
    return value


#: a path in a plan, relative to the plan file
PlanPath = Annotated[str, AfterValidator(_path)]


class PeriodSpec(Model):
    period: Label
    input: PlanPath
    #: the files of the schemes' sources for this period, by source name (paths relative to the plan)
    sources: dict[str, PlanPath] = Field(default_factory=dict)
    #: the period's calibrations and appeals (an adjustments file, relative to the plan)
    adjust: PlanPath | None = None


class Rollup(Model):
    """How the periods roll up: the mean over the periods present, renormalised weights, or the last."""

    period: Label = "rollup"
    #: the periods (or earlier roll-ups) this one rolls up; every period of the plan without it
    of: Annotated[list[Label], Field(min_length=1)] | None = None
    method: Literal["mean", "weights", "last"] = "mean"
    weights: dict[Label, Annotated[Number, Field(ge=0)]] | None = None
    grades: list[Grade] | None = None

    @model_validator(mode="before")
    @classmethod
    def _weights_form(cls, data: Any) -> Any:
        """`method: {weights: {2024Q1: 0.2, …}}` is short for `method: weights` with `weights: {…}`."""
        if isinstance(data, dict) and isinstance(data.get("method"), dict) and "weights" in data["method"]:
            data = {**data, "method": "weights", "weights": data["method"]["weights"]}
        return data


class Plan(Model):
    """A batch plan; paths are relative to the plan file."""

    name: str
    #: the language of the plan's messages; without it, that of the (first) scheme it names
    language: Literal["zh", "en"] | None = None
    role_column: str | None = None
    scheme: PlanPath | None = None
    schemes: dict[str, PlanPath] | None = None
    periods: list[PeriodSpec] = Field(min_length=1)
    rollup: Rollup = Field(default_factory=Rollup)
    #: nested roll-ups, in order (months → quarters → the year); `rollup` alone is one level of every period
    rollups: Annotated[list[Rollup], Field(min_length=1)] | None = None
    output: PlanPath = "."

    @property
    def levels(self) -> list[Rollup]:
        """The roll-ups a run writes, each after those it rolls up."""
        return self.rollups if self.rollups is not None else [self.rollup]

    def rolled_from(self, level: Rollup) -> list[str]:
        """What a level rolls up: its `of`, or every period."""
        return level.of if level.of is not None else [p.period for p in self.periods]


def plan_problems(plan: Plan) -> Iterator[tuple[str, dict[str, Any], tuple]]:
    if (plan.scheme is None) == (plan.schemes is None):
        yield "plan_scheme", {}, ("scheme",)
    if plan.schemes is not None and not plan.role_column:
        yield "plan_role_column", {}, ("schemes",)
    labels = [p.period for p in plan.periods]
    for i, period in enumerate(labels):
        if period in labels[:i]:
            yield "plan_period_duplicate", {"period": period}, ("periods", i, "period")
    if plan.rollups is not None and "rollup" in plan.model_fields_set:
        yield "plan_rollup_both", {}, ("rollup",)
    known = list(labels)
    for j, r in enumerate(plan.levels):
        where: tuple = ("rollups", j) if plan.rollups is not None else ("rollup",)
        if r.period in known:
            yield "plan_period_duplicate", {"period": r.period}, (*where, "period")
        for k, part in enumerate(r.of or []):
            if part not in known:
                yield "plan_rollup_unknown", {"period": part, "known": ", ".join(known)}, (*where, "of", k)
            elif part in (r.of or [])[:k]:
                yield "plan_rollup_twice", {"period": part}, (*where, "of", k)
        if r.method == "weights" and not r.weights:
            yield "plan_weights_missing", {}, (*where, "method")
        for key in r.weights or {}:
            if key not in plan.rolled_from(r):
                yield "plan_weights_unknown", {"period": key}, (*where, "weights", key)
        for p in grade_problems([((*where, "grades", i), g) for i, g in enumerate(r.grades or [])]):
            yield p.code, p.params, p.loc
        known.append(r.period)
