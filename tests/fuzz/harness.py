"""The fuzz harness: mutate the shipped examples in every format and run load → score → every writer.

The only accepted outcomes are a result or one of kpiscore's own errors. Anything else is a crash, named
by its signature (exception type and the innermost kpiscore frame), or an abort, when the process running
the input dies. `test_fuzz.py` runs a short, fixed-seed campaign in CI; a long one runs from here:

    python tests/fuzz/harness.py --inputs 100000 --workers 2 --seed 1 --report fuzz-report.json
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the starter service-quality with every column typed (see tests/helpers.py)
TYPED = str(ROOT / "tests" / "data" / "schemes" / "service-quality-typed.yaml")
#: the sources of the starters that have them, and the example each export belongs with
SOURCES = {"service-quality": ("survey", "examples/service-quality-survey.csv", "examples/service-quality.xlsx"),
           "express-cs": ("chats", "examples/express-cs-chats.csv", "examples/express-cs.csv")}
SEEDS = {
    "service-quality.xlsx": ("examples/service-quality.xlsx", "service-quality"),
    "aftersales.xlsx": ("examples/aftersales.xlsx", "aftersales"),
    "service-manager.xlsx": ("examples/service-manager.xlsx", "service-manager"),
    "express-cs.csv": ("examples/express-cs.csv", "express-cs"),
    "service-quality.xls": ("tests/data/service-quality.xls", TYPED),
    "service-quality.ods": ("tests/data/service-quality.ods", TYPED),
    "merged_teams.xlsx": ("tests/data/real/merged_teams.xlsx", TYPED),
    "crm_export.xls": ("tests/data/real/crm_export.xls", TYPED),
    "callcentre_2003.xls": ("tests/data/real/callcentre_2003.xls", TYPED),
    "unicode_text.txt": ("tests/data/real/unicode_text.txt", TYPED),
    "service-quality-survey.csv": ("examples/service-quality-survey.csv", "service-quality"),
    "express-cs-chats.csv": ("examples/express-cs-chats.csv", "express-cs"),
    "service-quality.yaml": ("templates/service-quality.yaml", "examples/service-quality.xlsx"),
    "aftersales.yaml": ("templates/aftersales.yaml", "examples/aftersales.xlsx"),
    "express-cs.yaml": ("templates/express-cs.yaml", "examples/express-cs.csv"),
    "service-manager.yaml": ("templates/service-manager.yaml", "examples/service-manager.xlsx"),
}
#: values that break naive readers, put where numbers and names are
NASTY = ["1e400", "-1e400", "nan", ".inf", "-0", "2.5", "1" + "0" * 400, "#DIV/0!", "#N/A", "/", "—", "", " ",
         "=HYPERLINK(\"x\")", "\x1b[2J", "\u202e", "\ud800", "0x1F", "1,2,3", "88%%", "٣", "１２", "-5", "1e-320",
         "合计", "平均值", "工号", "\"", "'", "\n", "\t", "999999999999999999999", "9" * 5000, "[90%, 95%)",
         "&a;", "]]>", "<x>", "\0"]


def seed_bytes() -> dict[str, bytes]:
    return {name: (ROOT / path).read_bytes() for name, (path, _) in SEEDS.items()}


# ---------------------------------------------------------------------------------------------------------
# mutations


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def splice(rng: random.Random, data: bytes) -> bytes:
    """Insert, delete or duplicate a chunk."""
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 512))
    op = rng.randrange(3)
    if op == 0:
        return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]
    if op == 1:
        return data[:i] + data[j:]
    return data[:j] + data[i:j] * rng.randint(1, 50) + data[j:]


def text_edit(rng: random.Random, text: str) -> str:
    """Put a nasty value where a number or a word stands."""
    import re

    spots = [m.span() for m in re.finditer(r"[0-9.]+%?|[\u4e00-\u9fff]{2,}|[A-Za-z_]+", text)]
    for _ in range(rng.randint(1, 4)):
        if not spots:
            break
        a, b = rng.choice(spots)
        text = text[:a] + rng.choice(NASTY) + text[b:]
        spots = [(x, y) for x, y in spots if y <= a]
    return text


def line_edit(rng: random.Random, text: str) -> str:
    """Drop, repeat, swap or re-indent lines (YAML structure, CSV rows)."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = rng.randrange(len(lines))
    op = rng.randrange(4)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i] * rng.randint(1, 3))
    elif op == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = rng.choice(["", "  ", "\t", "    - "]) + lines[i].lstrip()
    return "".join(lines)


def zip_edit(rng: random.Random, data: bytes) -> bytes:
    """Edit a member's XML as text, swap two members' contents, or drop one, and zip it again."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    except Exception:  # an earlier mutation broke the zip: break it further
        return flip(rng, data)
    if not members:
        return data
    op = rng.randrange(3)
    k = rng.randrange(len(members))
    if op == 0:
        name, body = members[k]
        members[k] = (name, text_edit(rng, body.decode("utf-8", "replace")).encode("utf-8", "surrogatepass"))
    elif op == 1 and len(members) > 1:
        j = rng.randrange(len(members))
        members[k], members[j] = (members[k][0], members[j][1]), (members[j][0], members[k][1])
    else:
        del members[k]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members:
            zf.writestr(name, body)
    return out.getvalue()


def mutate(rng: random.Random, name: str, data: bytes) -> bytes:
    """One to three mutations fit for the file's kind."""
    textual = name.endswith((".csv", ".yaml", ".txt")) or name in ("crm_export.xls", "callcentre_2003.xls")
    for _ in range(rng.randint(1, 3)):
        choice = rng.random()
        if data.startswith(b"PK") and choice < 0.5:
            data = zip_edit(rng, data)
        elif textual and choice < 0.6:
            gbk = name in ("express-cs.csv", "express-cs-chats.csv")
            encoding = "utf-16" if name.endswith(".txt") else ("gbk" if gbk else "utf-8")
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                data = flip(rng, data)
                continue
            text = text_edit(rng, text) if rng.random() < 0.6 else line_edit(rng, text)
            data = text.encode(encoding, "surrogatepass") if encoding != "gbk" else text.encode("gbk", "replace")
        else:
            data = rng.choice([flip, truncate, splice])(rng, data)
    return data


# ---------------------------------------------------------------------------------------------------------
# running one input


def signature(exc: BaseException) -> str:
    """A crash's signature: its type and the innermost frame in kpiscore (else the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "kpiscore" in f.filename]
    frame = (ours or frames or [None])[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    return f"{type(exc).__name__} at {where}"


def run_one(name: str, data: bytes, folder: Path) -> str:
    """load → score → every writer; returns "ok", "finding:<code>", or "crash:<signature>"."""
    import kpiscore

    path = folder / f"input{Path(name).suffix}"
    path.write_bytes(data)
    try:
        starter = SEEDS[name][1] if not name.endswith(".yaml") else Path(name).stem
        source, export, example = SOURCES.get(starter, ("", "", ""))
        sources = {source: ROOT / export} if source else None
        if name.endswith(".yaml"):
            scheme = kpiscore.load_scheme(path)
            result = kpiscore.score(ROOT / SEEDS[name][1], scheme, sources=sources)
        elif source and SEEDS[name][0] == export:  # a mutated export, beside its example
            result = kpiscore.score(ROOT / example, starter, sources={source: path})
        else:
            result = kpiscore.score(path, starter, sources=sources)
        kpiscore.api.Words(result).audit()
        kpiscore.explain(result, str(result.people["id"].iloc[0]))
        for fmt in ("xlsx", "csv", "json"):
            kpiscore.write_result(result, folder / f"out.{fmt}", fmt)
        return "ok"
    except kpiscore.KpiscoreError as exc:
        return "finding:" + ",".join(sorted({f.code for f in exc.findings}))
    except Exception as exc:  # what the harness is here to find
        return "crash:" + signature(exc)


# ---------------------------------------------------------------------------------------------------------
# the campaign: workers that may die, a parent that counts


#: the memory a campaign's worker may take (its readers' children have their own limit, see `isolate`)
WORKER_MEMORY = 6 * 2**30


def _worker(seed: int, start: int, count: int, conn: object, surfaces: bool = False) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
    if surfaces:
        _surface_worker(seed, start, count, conn)
        return
    seeds = seed_bytes()
    names = sorted(seeds)
    with tempfile.TemporaryDirectory(prefix="kpiscore-fuzz-") as tmp:
        for i in range(start, start + count):
            rng = random.Random(seed * 1_000_003 + i)
            name = rng.choice(names)
            data = mutate(rng, name, seeds[name])
            conn.send(("start", i, name))  # type: ignore[attr-defined]
            outcome = run_one(name, data, Path(tmp))
            conn.send(("done", i, outcome))  # type: ignore[attr-defined]
    conn.send(("end", start + count, ""))  # type: ignore[attr-defined]


def _surface_worker(seed: int, start: int, count: int, conn: object) -> None:
    """The newer surfaces' campaign (surfaces.py): each outcome said with its surface."""
    import surfaces

    given = surfaces.files()
    with tempfile.TemporaryDirectory(prefix="kpiscore-surfaces-") as tmp:
        for i in range(start, start + count):
            conn.send(("start", i, surfaces.surface_of(seed, i)))  # type: ignore[attr-defined]
            surface, outcome = surfaces.one(seed, i, given, Path(tmp) / "round")
            conn.send(("done", i, f"{surface} {outcome}"))  # type: ignore[attr-defined]
    conn.send(("end", start + count, ""))  # type: ignore[attr-defined]


def campaign(inputs: int, seed: int, workers: int, report: Path | None = None, progress: int = 0,
             surfaces: bool = False, timeout: float = 120.0) -> dict[str, object]:
    """Run `inputs` mutated inputs over `workers` processes; a worker that dies is an abort, and one that
    gives no outcome within `timeout` seconds a hang (it is killed), each recorded with the input it was
    running, and a new worker takes over after it. With `surfaces`, the newer surfaces' campaign, its
    outcomes counted per surface."""
    # spawned, not forked: a worker writes CSV with polars, whose thread pool a forked child would inherit
    # locked (polars documents this), so a fork after an earlier CSV write in this process would hang
    ctx = multiprocessing.get_context("spawn")
    per = -(-inputs // workers)
    pending = [(w * per, min(per, inputs - w * per)) for w in range(workers) if inputs - w * per > 0]
    outcomes: Counter[str] = Counter()
    crashes: dict[str, list[str]] = {}
    started = time.perf_counter()
    running = []
    per_surface: dict[str, Counter[str]] = {}

    def start(begin: int, end: int) -> None:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(seed, begin, end - begin, send, surfaces))
        proc.start()
        send.close()
        running.append([proc, receive, begin, end, None, time.perf_counter()])

    for begin, count in pending:
        start(begin, begin + count)
    while running:
        for job in list(running):
            proc, receive, _, end, current, since = job
            kind = ""
            if receive.poll(0.05):
                try:
                    kind, i, what = receive.recv()
                except EOFError:
                    kind = "eof"
                if kind == "start":
                    job[4], job[5] = (i, what), time.perf_counter()
                    continue
                if kind == "done":
                    surface, _, what = what.partition(" ") if surfaces else ("", "", what)
                    bad = not what.startswith(("ok", "finding", "cli"))
                    outcomes["crash" if what.startswith("crash:") else what] += 1
                    per_surface.setdefault(surface, Counter())[what.split(":")[0]] += 1
                    done = sum(outcomes.values())
                    if bad if surfaces else what.startswith("crash:"):
                        crashes.setdefault(what.removeprefix("crash:"), []).append(
                            f"input {i} ({current[1] if current else '?'})")
                        print(f"input {i}: {what}", file=sys.stderr, flush=True)  # said at once, to look into
                    if progress and done % progress == 0:
                        print(f"{done} inputs, {time.perf_counter() - started:.0f} s, crashes: {len(crashes)}",
                              file=sys.stderr, flush=True)
                        if report is not None:  # a long run stopped early still has its counts so far
                            _report(report, done, seed, workers, started, outcomes, crashes, per_surface)
                    job[2] = i + 1
                    continue
                if kind == "end":
                    proc.join()
                    running.remove(job)
                    continue
            hung = current is not None and time.perf_counter() - since > timeout
            if hung or kind == "eof":  # killed, or its end of the pipe closed: it is gone
                proc.kill()
                proc.join()
            if not proc.is_alive() and (kind == "eof" or not receive.poll(0)):
                proc.join()
                running.remove(job)
                if current is not None and job[2] <= current[0]:
                    what = "hang" if hung else "abort"
                    outcomes[what] += 1
                    per_surface.setdefault(str(current[1]), Counter())[what] += 1
                    crashes.setdefault(f"{what} (exit {proc.exitcode})", []).append(
                        f"input {current[0]} ({current[1]})")
                    resume = current[0] + 1
                else:
                    resume = job[2]
                if resume < end:
                    start(resume, end)
    return _report(report, inputs, seed, workers, started, outcomes, crashes, per_surface if surfaces else None)


def _report(report: Path | None, inputs: int, seed: int, workers: int, started: float, outcomes: Counter[str],
            crashes: dict[str, list[str]], per_surface: dict[str, Counter[str]] | None) -> dict[str, object]:
    """The campaign's summary (so far), written to `report` where one is asked for."""
    summary: dict[str, object] = {
        "inputs": inputs, "seed": seed, "workers": workers, "seconds": round(time.perf_counter() - started, 1),
        "outcomes": dict(outcomes), "crashes": {k: [*v[:5], f"… {len(v)} in all"] for k, v in crashes.items()}}
    if per_surface:
        summary["surfaces"] = {k: dict(v) for k, v in sorted(per_surface.items())}
    if report is not None:
        report.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--progress", type=int, default=5000, help="say how far it is every N inputs")
    parser.add_argument("--surfaces", action="store_true", help="the newer surfaces' campaign (surfaces.py)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before an input is a hang")
    args = parser.parse_args()
    summary = campaign(args.inputs, args.seed, args.workers, args.report, args.progress, args.surfaces,
                       args.timeout)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    sys.exit(1 if summary["crashes"] else 0)


if __name__ == "__main__":
    main()
