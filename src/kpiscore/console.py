"""All terminal rendering: one stdout and one stderr console, error lists, result tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from .core.values import text_width
from .errors import Finding
from .text import label, msg, words

if TYPE_CHECKING:
    import pandas as pd

    from .core.engine import Result
else:
    from .core.lazy import pd

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def safe(text: object) -> str:
    """Text from a user's file as the terminal shows it: rich markup escaped, control characters (an ESC
    that would retitle or clear the terminal) as \\x1b, and invisible ones (zero-width, bidi) as <U+200B>,
    so two names that look the same show how they differ."""
    shown = []
    for ch in str(text):
        category = unicodedata.category(ch)
        if category == "Cc" and ch != "\n":
            shown.append(f"\\x{ord(ch):02x}")
        elif category in ("Cf", "Zl", "Zp", "Cs", "Co") or ch == "\ufeff":
            shown.append(f"<U+{ord(ch):04X}>")
        else:
            shown.append(ch)
    return escape("".join(shown))


def findings(items: Iterable[Finding], lang: str) -> None:
    """Every problem as a red list on stderr, place first, in the user's language."""
    items = list(items)
    err.print(f"[bold red]{msg('errors_found', lang, count=len(items))}[/]")
    for f in items:
        place, message = safe(f.place), safe(f.said_in(lang).message)
        err.print(f"  [red]✗[/] [bold]{place}[/]: {message}" if place else f"  [red]✗[/] {message}", soft_wrap=True)


def warnings(items: Iterable[Finding], lang: str) -> None:
    """Problems that did not stop the run, in yellow on stderr, each once, in the user's language."""
    for f in dict.fromkeys(items):
        err.print(f"[yellow]![/] {safe(f.said_in(lang))}", soft_wrap=True)


@contextmanager
def progress(total: int) -> Iterator[Callable[[str, bool], None]]:
    """A progress bar on a terminal, nothing elsewhere; the callback takes (what, done)."""
    if not err.is_terminal:
        yield lambda what, done: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("", total=total)

        def step(what: str, done: bool) -> None:
            bar.update(task, description=what, advance=1 if done else 0)

        yield step


def info(text: str) -> None:
    err.print(safe(text), soft_wrap=True)


def summary(result: Result) -> None:
    """Grade counts and the spread of totals, after an output is written."""
    from .core.analysis import grade_distribution, total_stats  # with a result, the core is loaded already

    lang, d = result.lang, result.scheme.decimals
    grades = " · ".join(f"{safe(row.grade)} {row.count}" for row in grade_distribution(result).itertuples())
    stats = total_stats(result)
    spread = " · ".join(f"{label(k, lang)} {stats[k]:.{d}f}" for k in ("mean", "min", "max"))
    err.print(f"{label('grade', lang)}: {grades}", soft_wrap=True)
    err.print(f"{label('total', lang)}: {spread}", soft_wrap=True)


def starters(rows: list[tuple[str, str, str]]) -> None:
    """The starter schemes: name to pass to `--scheme` / `init`, title, what it covers, in aligned columns
    (plain lines rather than a table: `kpiscore schemes` is over before a table would be laid out)."""
    rows = [("scheme", "name", "about"), *rows]
    first, second = (max(text_width(row[i]) for row in rows) for i in (0, 1))
    for i, (name, title, about) in enumerate(rows):
        name_cell = f"[bold]{safe(name)}[/]" if i else safe(name)
        out.print(f"{name_cell}{' ' * (first - text_width(name))}  {safe(title)}{' ' * (second - text_width(title))}"
                  f"  {safe(about)}", soft_wrap=True)


def explanation(result: Result, row: int, lines: pd.DataFrame) -> None:
    """One employee's calculation, indicator by indicator (`lines` from `api.explain`, for the input `row`)."""
    lang, d = result.lang, result.scheme.decimals
    person = result.people.loc[row]
    sm = result.summary.loc[row]
    title = f"{person['id']} {person['name']}" + (f" · {person['group']}" if "group" in person and
                                                   isinstance(person["group"], str) else "")
    from rich.table import Table

    table = Table(title=safe(title), show_lines=False)
    for key in ("dimension", "indicator", "weight", "calculation", "score"):
        table.add_column(label(key, lang), justify="right" if key in ("weight", "score") else "left",
                         overflow="fold")  # a long calculation wraps whole, its arrows kept
    for line in lines.itertuples(index=False):
        score = "" if pd.isna(line.score) else f"{line.score:.{d}f}"
        weight = "" if pd.isna(line.weight) else f"{line.weight:g}"
        table.add_row(safe(line.dimension), safe(line.indicator), weight, safe(line.calculation), score)
    out.print(table)
    parts = [f"{label('total', lang)} {sm['total']:.{d}f}", f"{label('grade', lang)} {safe(sm['grade'] or '—')}",
             f"{label('rank', lang)} {sm['rank']}"]
    if not pd.isna(sm["group_rank"]):
        parts.append(f"{label('group_rank', lang)} {sm['group_rank']}")
    if sm["veto"]:
        parts.append(label("veto", lang))
    out.print(" · ".join(parts))
    from .words.result import Words  # with a result, the core is loaded already

    said = Words(result)
    note = said.grade_notes().loc[row]
    if note:
        out.print(safe(note))
    if result.paid is not None:
        out.print(words("labelled", lang, label=label("payout", lang), text=safe(said.payout().loc[row])),
                  soft_wrap=True)
    at = result.summary.index.get_loc(row)
    way = said.next_grade(slice(at, at + 1)).iloc[0]
    if way:
        out.print(safe(way), soft_wrap=True)
