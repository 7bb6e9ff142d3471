"""Hostile and broken input: every file of tests/data/hostile ends in kpiscore's own finding, with the code
expected.json names — never a traceback, never a dead process (see make_hostile.py there)."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import TYPED_SQ, write_xlsx
from typer.testing import CliRunner

from kpiscore import KpiscoreError, UsageError, load_scheme, score
from kpiscore.batch import load_plan, run_batch
from kpiscore.cli import app
from kpiscore.io.output import atomic_write

HOSTILE = Path(__file__).parent / "data" / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
runner = CliRunner()


def outcome(path: Path) -> list[str]:
    """The finding codes a file ends in, or ["ok"] when it scores (or loads, for a scheme)."""
    try:
        if path.name.startswith("plan_"):
            report = run_batch(load_plan(path), force=True)
            codes = [f.code for o in report.outcomes for f in o.findings]
            return codes or ["ok"]
        if path.suffix == ".yaml":
            load_scheme(path)
        else:
            score(path, TYPED_SQ)
    except KpiscoreError as exc:
        return [f.code for f in exc.findings]
    return ["ok"]


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 60


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_input(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # plans write their outputs beside themselves: never into the corpus
    path = HOSTILE / name
    if name.startswith("plan_"):
        path = Path(tmp_path / name)
        path.write_bytes((HOSTILE / name).read_bytes())
        (tmp_path / "plan_scheme.yaml").write_bytes((HOSTILE / "plan_scheme.yaml").read_bytes())
    codes = outcome(path)
    want = EXPECTED[name]
    if want == "any":
        return  # a random byte flip may land anywhere: finishing with a result or a finding is the test
    if want == "error":
        assert codes != ["ok"]
    else:
        assert want in codes, codes


BOMBS = ["stray_cell_far_away.xlsx", "dimension_whole_sheet.xlsx", "zip_member_60mb.xlsx", "zip_sizes_forged.xlsx",
         "alias_bomb.yaml", "deep_nesting.yaml", "xml2003_entity_bomb.xls", "html_span_huge.xls",
         "entity_bomb_workbook.xlsx", "ods_columns_repeated.ods"]


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


def test_bombs_finish_in_seconds_under_a_memory_cap():
    here, hostile = str(Path(__file__).parent), str(HOSTILE)
    code = (f"import json, sys\nsys.path.insert(0, {here!r})\nfrom test_hostile import outcome\n"
            f"from pathlib import Path\nprint(json.dumps({{n: outcome(Path({hostile!r}) / n) for n in {BOMBS!r}}}))")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          preexec_fn=_cap, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    for name in BOMBS:
        assert EXPECTED[name] == "any" or EXPECTED[name] in got[name], (name, got[name])
    assert time.perf_counter() - start < 60


def test_a_huge_scheme_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\ndimensions:\n" + "  - {name: D, indicators: []}\n" * 200_000, encoding="utf-8")
    with pytest.raises(KpiscoreError) as info:
        load_scheme(path)
    assert [f.code for f in info.value.findings] == ["yaml_too_large"]


def test_control_and_invisible_characters_are_shown_escaped(tmp_path):
    data = tmp_path / "a.csv"
    data.write_bytes((HOSTILE / "escape_sequences.csv").read_bytes())
    result = runner.invoke(app, ["explain", str(data), "-s", TYPED_SQ, "--id", "WX001"])
    assert result.exit_code == 0 and "\x1b" not in result.output and "\\x1b]0;pwned\\x07" in result.output
    data.write_bytes((HOSTILE / "bidi_header.csv").read_bytes())
    result = runner.invoke(app, ["validate", "-s", TYPED_SQ, str(data)])
    assert result.exit_code == 1 and "<U+200B>" not in result.output  # the missing column is named as written
    result = runner.invoke(app, ["score", str(data), "-s", TYPED_SQ])
    assert "姓名" in result.output


def test_a_text_longer_than_a_cell_is_noticed(tmp_path):
    path = tmp_path / "a.csv"  # a CSV holds any length; an xlsx cell, 32,767 characters
    path.write_text("工号,姓名,客服响应及时率\nE1," + "名" * 40_000 + ",90%\n", encoding="utf-8")
    scheme = {"name": "s", "dimensions": [{"name": "D", "indicators": [
        {"name": "客服响应及时率", "weight": 100, "target": "90%"}]}]}
    result = score(path, scheme)
    assert [(w.cell, w.code) for w in result.warnings] == [("B2", "text_too_long")]
    assert "40000" in result.warnings[0].message


def test_drop_down_labels_with_commas_quotes_and_length(tmp_path):
    from openpyxl import load_workbook

    from kpiscore import write_template

    labels = {"很满意, 非常": 3, '较"满意"': 2} | {f"第{i}级很长的等级标签" * 3: 1 for i in range(12)}
    scheme = load_scheme({"name": "s", "dimensions": [{"name": "D", "indicators": [
        {"name": "满意度", "weight": 100, "rule": {"type": "mapping", "scale": True, "map": labels}}]}]})
    write_template(scheme, tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    assert book["下拉选项"].sheet_state == "hidden"
    assert [c.value for c in book["下拉选项"]["A"]] == list(labels)
    [rule] = book.worksheets[0].data_validations.dataValidation
    assert rule.formula1 == f"'下拉选项'!$A$1:$A${len(labels)}"


def test_full_disk_leaves_nothing_and_says_so(tmp_path):
    def fill(tmp: Path) -> None:
        tmp.write_bytes(b"x" * 100)
        raise OSError(28, "No space left on device")

    with pytest.raises(UsageError) as info:
        atomic_write(tmp_path / "o.xlsx", fill)
    assert info.value.findings[0].code == "output_failed" and list(tmp_path.iterdir()) == []


def test_no_clobber_when_another_run_wins_the_race(tmp_path):
    target = tmp_path / "o.csv"

    def write(tmp: Path) -> None:
        tmp.write_text("mine")
        target.write_text("theirs")  # another run finished first

    with pytest.raises(UsageError) as info:
        atomic_write(target, write, force=False)
    assert info.value.findings[0].code == "output_exists" and target.read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv"]


def test_a_killed_runs_leftovers_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    leftover = tmp_path / f".~old.xlsx.{dead}.kpiscore"
    leftover.write_bytes(b"half a workbook")
    atomic_write(tmp_path / "new.csv", lambda tmp: tmp.write_text("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv"]


def test_sigterm_leaves_no_temporary_files(tmp_path):
    rows = [["工号", "姓名", "客服响应及时率"]] + [[f"E{i}", "张三", 0.9] for i in range(30_000)]
    data = write_xlsx(tmp_path / "a.xlsx", rows, title=None)
    (tmp_path / "s.yaml").write_text("name: s\ndimensions:\n  - name: D\n    indicators:\n"
                                     "      - {name: 客服响应及时率, weight: 100, target: 90%}\n", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.Popen([sys.executable, "-m", "kpiscore", "score", str(data), "-s", str(tmp_path / "s.yaml")],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    run.send_signal(signal.SIGTERM)
    # 143: our handler ran every `finally`; -15: the signal came before start-up was done and nothing was written
    assert run.wait(timeout=60) in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")] == []
    assert list(scratch.iterdir()) == []


def test_init_never_writes_through_a_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "target.yaml").write_text("mine")
    (tmp_path / "s.yaml").symlink_to("target.yaml")
    assert runner.invoke(app, ["init", "aftersales", "-o", "s.yaml", "--force"]).exit_code == 0
    assert (tmp_path / "target.yaml").read_text() == "mine" and not (tmp_path / "s.yaml").is_symlink()
    (tmp_path / "d.yaml").symlink_to("nowhere.yaml")
    assert runner.invoke(app, ["init", "aftersales", "-o", "d.yaml"]).exit_code == 2
    assert not (tmp_path / "nowhere.yaml").exists()


def _plan(tmp_path: Path, periods: str) -> Path:
    (tmp_path / "s.yaml").write_text("name: s\ndimensions:\n  - name: D\n    indicators:\n"
                                     "      - {name: 达成率, weight: 100, target: 100%}\n", encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: p\nscheme: s.yaml\noutput: .\nperiods:\n" + periods, encoding="utf-8")
    return plan


def test_a_glob_never_reads_the_plans_own_outputs(tmp_path):
    for name in ("Q1_a.xlsx", "Q2_a.xlsx"):
        write_xlsx(tmp_path / name, [["工号", "姓名", "达成率"], ["1", "甲", 0.9]], title=None)
    plan = _plan(tmp_path, "  - {period: Q1, input: 'Q1*.xlsx'}\n  - {period: Q2, input: 'Q*.xlsx'}\n")
    report = run_batch(plan)
    # Q2's glob covers Q1_scored.xlsx, written moments before by this run: it must not be read as input
    assert not report.ok and [f.code for f in report.outcomes[1].findings] == ["id_duplicate_across"]
    assert all("scored" not in (f.file or "") for f in report.outcomes[1].findings)


def test_an_output_may_not_be_an_input_even_with_force(tmp_path):
    write_xlsx(tmp_path / "Q1_scored.xlsx", [["工号", "姓名", "达成率"], ["1", "甲", 0.9]], title=None)
    plan = _plan(tmp_path, "  - {period: Q1, input: Q1_scored.xlsx}\n")
    with pytest.raises(UsageError) as info:
        run_batch(plan, force=True)
    assert info.value.findings[0].code == "output_is_input"


def test_an_output_folder_that_is_a_file(tmp_path):
    plan = _plan(tmp_path, "  - {period: Q1, input: a.xlsx}\n")
    plan.write_text(plan.read_text(encoding="utf-8").replace("output: .", "output: out"), encoding="utf-8")
    (tmp_path / "out").write_text("a file")
    result = runner.invoke(app, ["batch", str(plan)])
    assert result.exit_code == 2 and "是文件，不是文件夹" in result.output and "Traceback" not in result.output
