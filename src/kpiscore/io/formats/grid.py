"""A sheet as a grid of raw cells, and a file as a book of them: what every kind of file is read into.

A grid keeps what the spreadsheet shows and a cell value alone does not: merged ranges (a 部门 merged down a
team), error values (`#DIV/0!`, which calamine reads as an empty cell), formulas no program ever calculated,
and hidden rows and columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..isolate import Refused

#: Excel's error values; a cell showing one of these is never a number
ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
                         | {f"Err:{n}" for n in range(500, 600)})  # LibreOffice's and WPS's own codes


#: a sheet's size in Excel: nothing beyond it is a cell
MAX_ROWS, MAX_COLS = 1_048_576, 16_384


class Uncalculated:
    """A formula cell with no cached result: a program wrote the file and nothing ever calculated it."""

    def __repr__(self) -> str:
        return "<uncalculated formula>"


UNCALCULATED = Uncalculated()


class Columns(Protocol):
    """A body split into columns by a faster reader than the grid's rows (`delimited.TextLines`)."""

    def columns(self, first: int, width: int) -> list[Any]: ...


@dataclass
class Grid:
    """One sheet's cells: `rows[i][j]` is the cell at 0-based (top + i, left + j)."""

    name: str | None
    rows: list[list[Any]]
    top: int = 0
    left: int = 0
    #: merged ranges (first row, first column, last row, last column), 0-based and inclusive
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    #: cells that hold a value only because a merge spans them (0-based, absolute), and those of them that
    #: got it from a cell to their left
    filled: set[tuple[int, int]] = field(default_factory=set)
    across: set[tuple[int, int]] = field(default_factory=set)
    #: a long plain text's every line, column by column; `rows` then holds only its first HEAD_LINES lines
    body: Columns | None = None

    def put(self, row: int, col: int, value: Any) -> None:
        """Set a cell by its absolute place, growing the grid where needed (within a sheet's limits)."""
        i, j = row - self.top, col - self.left
        if i < 0 or j < 0:
            return
        if row >= MAX_ROWS or col >= MAX_COLS:
            raise Refused("sheet_limits", sheet=self.name or "", row=row + 1, col=col + 1)
        while len(self.rows) <= i:
            self.rows.append([])
        line = self.rows[i]
        if len(line) <= j:
            line.extend([""] * (j + 1 - len(line)))
        line[j] = value

    def fill_merges(self) -> None:
        """Give every cell of a merged range the value of its first cell, as the sheet shows it; a merge
        reaches no further than the grid's own rows and widest row."""
        width = self.left + max((len(r) for r in self.rows), default=0) - 1
        for r1, c1, r2, c2 in self.merges:
            c2 = min(c2, width)
            i1, j1 = r1 - self.top, c1 - self.left
            if not (0 <= i1 < len(self.rows) and 0 <= j1 < len(self.rows[i1])):
                continue
            value = self.rows[i1][j1]
            if value is None or value == "":
                continue
            for i in range(max(i1, 0), min(r2 - self.top, len(self.rows) - 1) + 1):
                line = self.rows[i]
                for j in range(max(j1, 0), c2 - self.left + 1):
                    if (i, j) == (i1, j1):
                        continue
                    if j >= len(line):
                        line.extend([""] * (j + 1 - len(line)))
                    if line[j] is None or line[j] == "":
                        line[j] = value
                        self.filled.add((i + self.top, j + self.left))
                        if j != j1:
                            self.across.add((i + self.top, j + self.left))


class Book:
    """The sheets of one file: `pick` finds the grid to read, `details` adds what costs a second look."""

    #: the visible sheets, in order, and every sheet (a hidden one may still be asked for by name)
    names: list[str | None]
    all_names: list[str]

    def grid(self, name: str | None) -> Grid:
        raise NotImplementedError

    def pick(self, sheet: str | None, header: Callable[[Grid], int | None]) -> tuple[Grid | None, int | None]:
        """The grid named `sheet` (None when there is none), else the first visible one where `header`
        finds a header row, with that row; the last grid looked at when none has one."""
        if sheet is not None:
            if sheet not in self.all_names:
                return None, None
            grid = self.grid(sheet)
            return grid, header(grid)
        last: Grid | None = None
        for name in self.names:
            last = self.grid(name)
            row = header(last)
            if row is not None:
                return last, row
        return last, None

    def details(self, grid: Grid) -> None:
        """Add error values, uncalculated formulas, hidden rows and columns (and merges calamine does not
        report) to the grid chosen for reading."""
