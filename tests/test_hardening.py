"""The newer surfaces hardened (issue 23): each case a fuzz campaign or a new user found, a traceback turned
into a located finding, a silently wrong figure worked by hand, or a wrong refusal lifted."""

import pytest
import yaml
from helpers import scheme_dict, write_scheme
from openpyxl import load_workbook
from test_measures import write_csv
from typer.testing import CliRunner

from kpiscore import InputError, SchemeError, load_scheme, score
from kpiscore.cli import app
from kpiscore.words.result import Words

runner = CliRunner()

MEASURED = """\
name: x
period: 2024Q1
missing: skip
sources:
  tickets: {id: 工号, date: 日期}
  ratings: {id: 被评人}
measures:
  A: {source: tickets, agg: mean, of: 日期}
  B: {source: tickets, agg: count, where: {日期: 2024-02-01}}
  C: {source: tickets, agg: count, where: {等级: []}}
  D: {source: tickets, agg: count, where: {等级: {in: []}}}
  E: {source: tickets, agg: count, where: {等级: {"<=": .nan}}}
  F: {source: tickets, agg: count, where: {等级: 1%s}}
  G: {source: tickets, agg: sum, of: 工号}
dimensions:
  - name: 维度
    indicators:
      - {name: A, weight: 10, target: 9}
      - {name: B, weight: 10, rule: {type: count, points: 1}}
      - {name: C, weight: 10, rule: {type: count, points: 1}}
      - {name: D, weight: 10, rule: {type: count, points: 1}}
      - {name: E, weight: 10, rule: {type: count, points: 1}}
      - {name: F, weight: 10, rule: {type: count, points: 1}}
      - {name: G, weight: 10, target: 9}
      - {name: R, weight: 30, rule: {type: rating, source: ratings, rater: 被评人, score: 分}}
""" % ("0" * 400)


def test_a_column_has_one_role_in_a_source_and_where_numbers_are_bounded(tmp_path):
    with pytest.raises(SchemeError) as caught:
        load_scheme(write_scheme(tmp_path / "s.yaml", MEASURED))
    assert [(f.line, f.code, f.params.get("column")) for f in caught.value.findings] == [
        (8, "measure_of_key", "日期"), (9, "where_date_text", "日期"),
        (9, "where_text_on_number", "日期"),  # A reads 日期 as numbers
        (10, "where_empty", "等级"),
        (11, "where_empty", "等级"), (12, "where_number_range", "等级"), (13, "where_number_range", "等级"),
        (14, "measure_of_key", "工号"), (25, "rating_column_role", "被评人")]


def test_where_in_whole_numbers_on_a_number_column(tmp_path):
    # 等级 in [1, 2] (written as whole numbers, read as doubles): E1's rows 1, 2, 2 count, 3 and 1.5 do not → 3
    write_scheme(tmp_path / "s.yaml", """\
name: x
period: 2024Q1
missing: skip
sources:
  tickets: {id: 工号}
measures:
  差评: {source: tickets, agg: count, where: {等级: [1, 2]}}
dimensions:
  - name: D
    indicators:
      - {name: 差评, weight: 100, rule: {type: count, points: 10}}
""")
    write_csv(tmp_path / "t.csv", [["工号", "等级"], ["E1", "1"], ["E1", "2"], ["E1", "2.0"], ["E1", "3"],
                                   ["E1", "1.5"]])
    result = score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
    assert result.actuals["差评"].tolist() == [3.0]
    assert result.summary["total"].tolist() == [70.0]  # 100 − 3 × 10


def _first_findings(data):
    with pytest.raises(SchemeError) as caught:
        load_scheme(data)
    return [(f.code, f.field, {k: getattr(v, "key", v) for k, v in f.params.items()}) for f in caught.value.findings]


def test_a_personal_target_or_payout_column_is_no_other_column():
    # the id as a pool weight made every id a float (1001 → 1001.0); an input as the weight skipped its checks
    pool = {"grades": [{"grade": "A", "min": 0, "coefficient": 1}]}
    assert _first_findings(scheme_dict(payout={"mode": "pool", "pool": 1000, "weight": "工号"}, **pool)) == [
        ("column_role", "payout.weight", {"column": "工号", "first": "role_id", "second": "role_payout"})]
    assert _first_findings(scheme_dict(payout={"mode": "pool", "pool": 1000, "weight": "客服响应及时率"}, **pool)) == [
        ("column_role", "payout.weight", {"column": "客服响应及时率", "first": "role_input", "second": "role_payout"})]
    data = scheme_dict()
    data["dimensions"][0]["indicators"][0]["target_column"] = "工号"
    assert _first_findings(data) == [("column_role", "dimensions[0].indicators[0].target_column",
                                      {"column": "工号", "first": "role_id", "second": "role_target"})]
    data = scheme_dict()
    for indicator in data["dimensions"][0]["indicators"]:
        indicator["target_column"] = "个人目标"
    assert _first_findings(data) == [("target_column_shared", "dimensions[0].indicators[1].target_column",
                                      {"column": "个人目标"})]


def test_the_template_of_a_scheme_with_participation_takes_a_roster(tmp_path):
    # the roster has no 状态 column: it pre-fills ids and names, the status column is left to fill
    roster = tmp_path / "roster.csv"
    roster.write_text("工号,姓名,部门\nE1,张三,一部\nE2,李四,二部\n", encoding="utf-8")
    scheme = write_scheme(tmp_path / "s.yaml", yaml.safe_dump(
        scheme_dict(participation={"column": "状态", "exclude": ["离职"]}), allow_unicode=True))
    made = runner.invoke(app, ["template", "--scheme", str(scheme), "--roster", str(roster),
                               "-o", str(tmp_path / "t.xlsx")])
    assert made.exit_code == 0, made.output
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=5)]  # a title, a how-to line
    assert rows[0][:3] == ["工号", "姓名", "部门"] and "状态" in rows[0]
    assert [r[:3] for r in rows[1:]] == [["E1", "张三", "一部"], ["E2", "李四", "二部"]]


def test_a_calibrated_total_is_rounded_half_up():
    from test_calibration import SCHEME as CALIBRATED
    from test_calibration import adjust, people

    # 88.125 to 2 decimals is 88.13 (Excel's ROUND), not 88.12 (half to even); 88.135 → 88.14
    r = score(people([95, 85]), load_scheme(CALIBRATED), adjust=adjust(["WX001", "总分", "88.125", "复核", "王总"],
                                                                        ["WX002", "总分", "88.135", "复核", "王总"]))
    assert r.summary["total"].tolist() == [88.13, 88.14]


POOL_GRADES = [{"grade": "A", "min": 90, "coefficient": 1.2}, {"grade": "B", "min": 0, "coefficient": 1}]
# totals 89.87 (B), 98 (A), 89.87 (B): shares 1, 1.2, 1 of Σ 3.2
POOL_ROWS = [["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"],
             ["E4", "赵六", "二部", 0.9, 0.8, 0.95, 0, 0.95, "很满意"],
             ["E5", "钱七", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]]


def test_a_pool_of_a_trillion_is_paid_to_the_cent():
    # 999,999,999,999.99 = 99,999,999,999,999 cents: 1/3.2 of it is 31,249,999,999,999.6875 cents, 1.2/3.2
    # 37,499,999,999,999.625; floors 31,249,999,999,999 × 2 + 37,499,999,999,999 = 99,999,999,999,997, so 2 cents
    # are left, to the largest remainders .6875 (E1, E5): 312,500,000,000.00 × 2 + 374,999,999,999.99
    import pandas as pd
    from helpers import HEADER

    frame = pd.DataFrame(POOL_ROWS, columns=HEADER)
    paid = score(frame, scheme_dict(grades=POOL_GRADES, payout={"mode": "pool", "pool": 999_999_999_999.99}))
    assert paid.summary["payout"].tolist() == [312_500_000_000.0, 374_999_999_999.99, 312_500_000_000.0]
    # a base of a trillion × 1.0 stays a trillion: the near-tie slack no longer rounds every large amount up
    based = score(frame.assign(基数=1e12), scheme_dict(grades=POOL_GRADES, payout={"mode": "base", "base": "基数"}))
    assert based.summary["payout"].tolist() == [1e12, 1.2e12, 1e12]


def test_an_amount_beyond_a_trillion_is_refused_at_its_place():
    import pandas as pd
    from helpers import HEADER

    assert _first_findings(scheme_dict(grades=POOL_GRADES, payout={"mode": "pool", "pool": 1e15})) == [
        ("payout_amount_range", "payout.pool", {"limit": "1,000,000,000,000"})]
    frame = pd.DataFrame(POOL_ROWS, columns=HEADER).assign(基数=[1, 2e12, 3])
    with pytest.raises(InputError) as caught:
        score(frame, scheme_dict(grades=POOL_GRADES, payout={"mode": "base", "base": "基数"}))
    assert [(f.code, f.cell, f.params["value"]) for f in caught.value.findings] == [
        ("payout_amount_large", "J3", "2000000000000")]


#: a scheme's head with one source of tickets by employee, its measures to follow
TICKETS = "name: x\nmissing: skip\nsources:\n  tickets: {id: 工号}\nmeasures:\n"


def test_source_numbers_beyond_range_are_refused_at_their_cells(tmp_path):
    # 1e308 + 1e308 is infinite: the total was "平均 inf" and the Summary held =1/0; 1e15 is the last usable
    write_scheme(tmp_path / "s.yaml", TICKETS + """\
  金额: {source: tickets, agg: sum, of: 金额}
dimensions:
  - name: 维度
    indicators:
      - {name: 金额, weight: 100, target: 1000000000000000}
""")
    write_csv(tmp_path / "t.csv", [["工号", "金额"], ["E1", "1e308"], ["E1", "1e308"], ["E2", "1e15"]])
    with pytest.raises(InputError) as caught:
        score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
    assert [(f.code, f.cell, f.params["value"]) for f in caught.value.findings] == [
        ("source_number_large", "B2", "1e308")]  # a text is named at its first row
    write_csv(tmp_path / "t.csv", [["工号", "金额"], ["E2", "1e15"]])
    assert score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"}).summary["total"].tolist() == [
        100.0]  # 100 × 1e15 ÷ 1e15


def test_a_score_that_overflows_is_refused_naming_the_person():
    import pandas as pd
    from helpers import HEADER

    data = scheme_dict()
    data["dimensions"][0]["indicators"][0].update(target=1e-300, unit="次")  # 15 × 1e15 ÷ 1e-300 is infinite
    with pytest.raises(InputError) as caught:
        score(pd.DataFrame([["E1", "张三", "一部", 1e15, 0.82, 0.915, 5, 0.92, "较满意"]], columns=HEADER), data)
    assert [f.message for f in caught.value.findings] == [
        "E1 的客服响应及时率算出的分数超出可计算的范围（目标值过小或实际值过大）：请核对目标和实际值",
        "E1 的总分算出的分数超出可计算的范围（目标值过小或实际值过大）：请核对目标和实际值"]


def test_a_tiny_count_step_is_no_warning_and_no_way_to_the_next_grade():
    import pandas as pd
    from helpers import HEADER

    # 5 complaints, 3 allowed, 1e-320 points each: 15 − 2 × 1e-320 = 15; the total 67.53 is short of 达标 (70)
    # and no count of complaints makes up 2.47 points (the step overflows a double): no way by 客户服务投诉
    data = scheme_dict()
    data["dimensions"][1]["indicators"][1]["rule"] = {"type": "count", "allow": 3, "points": 1e-320}
    r = score(pd.DataFrame([["E1", "张三", "一部", 0.5, 0.5, 0.815, 5, 0.92, "较满意"]], columns=HEADER), data)
    assert r.summary["total"].tolist() == [67.53]
    assert "客户服务投诉" not in Words(r).next_grade().iloc[0]


def test_a_source_csv_whose_title_cell_holds_a_line_break(tmp_path):
    # the title record spans two lines: the header is the second record but the third line; E1's 3 tickets
    # of which 2 are 投诉 → 100 − 2 × 10 = 80, E2's one 投诉 → 90
    write_scheme(tmp_path / "s.yaml", TICKETS + """\
  投诉: {source: tickets, agg: count, where: {类型: 投诉}}
dimensions:
  - name: 维度
    indicators:
      - {name: 投诉, weight: 100, rule: {type: count, points: 10}}
""")
    for encoding in ("utf-8", "gbk"):
        (tmp_path / "t.csv").write_bytes('"工单导出\n2024年第一季度",\n工号,类型\nE1,投诉\nE1,咨询\nE1,投诉\nE2,投诉\n'
                                         .encode(encoding))
        result = score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
        assert result.people["id"].tolist() == ["E1", "E2"]
        assert result.summary["total"].tolist() == [80.0, 90.0]


def _plan_findings(tmp_path, periods, rollup, extra=None):
    from test_batch import PERIODS
    from test_batch import setup as plan_setup

    from kpiscore.batch import load_plan

    path = plan_setup(tmp_path, {p: PERIODS["M1"] for p in periods}, rollup, extra=extra)
    with pytest.raises(SchemeError) as caught:
        load_plan(path)
    return [(f.code, f.field, f.params.get("period")) for f in caught.value.findings]


def test_a_plans_outputs_never_collide_and_fit_a_file_name(tmp_path):
    # period A_rollup's slips and roll-up A's slips are both A_rollup_slips.xlsx
    assert _plan_findings(tmp_path, ["A_rollup"], {"period": "A"}) == [
        ("plan_outputs_collide", "rollup.period", "A")]
    # 60 Chinese characters are 180 bytes: with _rollup_slips.xlsx, 198 — fits; with a scheme stem of 64
    # characters more (a plan of two schemes) it would not, and Q1 and q1 are one file on Windows
    assert _plan_findings(tmp_path, ["Q1", "q1"], {"period": "Y"}) == [
        ("plan_outputs_collide", "periods[1].period", "q1")]


def test_a_rollup_rolls_up_a_period_once_and_plan_paths_hold_no_nul(tmp_path):
    assert _plan_findings(tmp_path, ["M1", "M2"], {"period": "Y", "of": ["M1", "M1"]}) == [
        ("plan_rollup_twice", "rollup.of[1]", "M1")]
    assert _plan_findings(tmp_path, ["M1"], {"period": "Y"}, extra={"output": "o\x00ut"}) == [
        ("plan_path_nul", "output", None)]


def test_pipes_devices_and_nul_paths_are_usage_errors(tmp_path):
    import os

    fifo = tmp_path / "survey.csv"
    os.mkfifo(fifo)
    example = "examples/service-quality.xlsx"
    for option in (["--source", f"survey={fifo}"], ["--source", "survey=examples/service-quality-survey.csv",
                                                    "--adjust", "/dev/zero"]):
        done = runner.invoke(app, ["score", example, "--scheme", "service-quality", *option,
                                   "-o", str(tmp_path / "o.xlsx")])
        assert done.exit_code == 2
        assert "不是普通文件（是管道或设备）：请给出保存在磁盘上的文件" in done.output
    with pytest.raises(InputError) as caught:  # the library reads no pipe either
        score(example, "service-quality", sources={"survey": fifo})
    assert [f.code for f in caught.value.findings] == ["file_not_regular"]
    with pytest.raises(InputError) as caught:
        score("a\x00b.xlsx", "service-quality", sources={"survey": "examples/service-quality-survey.csv"})
    assert [(f.code, f.params) for f in caught.value.findings] == [("path_nul", {"path": "a\\0b.xlsx"})]


def test_rule_types_written_as_lists_and_a_total_of_400_digits_are_findings():
    data = scheme_dict(total=int("1" * 400))
    data["dimensions"][0]["indicators"][0]["rule"] = {"type": ["ratio"]}
    data["adjustments"] = [{"name": "奖励", "rule": {"type": {"bonus": 1}}}]
    assert [(code, field) for code, field, _ in _first_findings(data)] == [
        ("number_unusable", "total"), ("union_tag_invalid", "dimensions[0].indicators[0].rule"),
        ("union_tag_invalid", "adjustments[0].rule")]


def test_a_period_of_year_0000_has_no_dates():
    from kpiscore.core.measures import period_days

    assert [period_days(p, None) for p in ("0000Q1", "0000", "0000-03")] == [None, None, None]


def test_prices_and_pools_read_no_column_twice():
    grades = [{"grade": "A", "min": 0, "coefficient": 1}]
    assert _first_findings(scheme_dict(grades=grades, payout={"mode": "units", "units": {
        "prices": {"锁具": 1, "锁具\u3000": 2}}})) == [
        ("price_column_twice", "payout.units.prices.锁具\u3000", {"column": "锁具\u3000"})]
    teams = {"columns": {"group": "部门"}, "sources": {"teams": {"group": "部门"}}, "grades": grades}
    assert _first_findings(scheme_dict(payout={"mode": "pool", "pool": {"source": "teams", "column": "部门"}},
                                       **teams)) == [
        ("column_role", "payout.pool.column", {"column": "部门", "first": "role_group", "second": "role_payout"})]


def test_an_input_column_named_like_a_generated_heading(tmp_path):
    # HR tables call the columns 加分 and 扣分: read as the adjustments' inputs; the generated bonus and penalty
    # totals yield their headings (加分（2）). E1: 89.87 + 2 − 1 = 90.87
    import pandas as pd
    from helpers import HEADER

    from kpiscore import write_result

    data = scheme_dict(adjustments=[{"name": "服务加分", "column": "加分", "rule": "bonus"},
                                    {"name": "投诉扣分", "column": "扣分", "rule": "penalty"}])
    frame = pd.DataFrame([["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意", 2, 1]],
                         columns=[*HEADER, "加分", "扣分"])
    result = score(frame, data)
    assert result.summary["total"].tolist() == [90.87]
    write_result(result, tmp_path / "o.csv", "csv")
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    head = (tmp_path / "o.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert head[18:23] == ["加分", "扣分", "加分（2）", "扣分（2）", "总分"]
    sheet = load_workbook(tmp_path / "o.xlsx").worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][18:23] == head[18:23]


def test_csv_numbers_as_typed(tmp_path):
    # 84.9% typed as text is 0.849 (not 0.8490000000000001); a payout of 1300000 is 1300000 (not 1300000.0)
    import pandas as pd
    from helpers import HEADER

    from kpiscore import write_result

    data = scheme_dict(columns={"base": "基数"}, grades=[{"grade": "A", "min": 0, "coefficient": 1}])
    frame = pd.DataFrame([["E1", "张三", "一部", "84.9%", 0.82, 0.915, 5, 0.92, "较满意", 1300000]],
                         columns=[*HEADER, "基数"])
    result = score(frame, data)
    assert result.actuals["客服响应及时率"].tolist() == [0.849]
    write_result(result, tmp_path / "o.csv", "csv")
    rows = (tmp_path / "o.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert (cells["客服响应及时率"], cells["绩效奖金"]) == ("0.849", "1300000")  # the base × 1.0


def test_a_dimension_named_like_a_grade(tmp_path):
    from kpiscore import write_result

    data = scheme_dict(grades=[{"grade": "时效性", "min": 90}, {"grade": "其他", "min": 0}])
    import pandas as pd
    from helpers import HEADER

    result = score(pd.DataFrame([["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]], columns=HEADER), data)
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    groups = load_workbook(tmp_path / "o.xlsx")["团队汇总"]
    head = [c.value for c in next(groups.iter_rows(max_row=1))]
    assert "时效性小计" in head and head[-2:] == ["时效性", "其他"]


def test_someone_only_in_zero_weight_periods_has_no_total_and_no_grade(tmp_path):
    from test_batch import rollup_rows
    from test_batch import setup as plan_setup

    from kpiscore.batch import run_batch

    # 丙 is only in M1, weighted 0: no weighted total, so no grade (it was blank and 优秀); 甲 is
    # (110 × 0 + 120 × 1) ÷ 1 = 120 → 优秀 (≥ 115)
    periods = {"M1": [["1", "甲", "一部", 1.10, 1000], ["3", "丙", "二部", 0.90, 800]],
               "M2": [["1", "甲", "一部", 1.20, 1000]]}
    weights = {"period": "年度", "method": "weights", "weights": {"M1": 0, "M2": 1}}
    rows = {r["工号"]: r for r in rollup_rows(run_batch(plan_setup(tmp_path, periods, weights)).rollup_path)}
    assert (rows["1"]["年度 总分"], rows["1"]["年度 等级"]) == (120, "优秀")
    assert (rows["3"]["年度 总分"], rows["3"]["年度 等级"]) in ((None, None), (None, "—"))


def test_init_writes_yaml_only_and_never_through_a_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("x.xlsx", "x.json", "-"):
        done = runner.invoke(app, ["init", "aftersales", "-o", name])
        assert done.exit_code == 2 and "init 写出的是 YAML 方案，请用 .yaml 或 .yml 结尾的文件名" in done.output
        assert not (tmp_path / name).exists()
    (tmp_path / "link.yaml").symlink_to(tmp_path / "elsewhere.yaml")  # dangling: --force replaces the link
    assert runner.invoke(app, ["init", "aftersales", "-o", "link.yaml", "--force"]).exit_code == 0
    assert not (tmp_path / "elsewhere.yaml").exists() and not (tmp_path / "link.yaml").is_symlink()
    assert runner.invoke(app, ["init", "aftersales", "-o", "mine.yml"]).exit_code == 0


def test_sigterm_during_start_up_of_batch_is_no_traceback(tmp_path):
    import shutil
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    examples = Path(__file__).parents[1] / "examples" / "batch"
    shutil.copytree(examples, tmp_path / "batch")
    for delay in (0.05, 0.15, 0.25, 0.3, 0.35, 0.6):  # start-up imports run about 0.2 to 0.4 s
        child = subprocess.Popen([sys.executable, "-m", "kpiscore", "batch", str(tmp_path / "batch" / "plan-2024.yaml"),
                                  "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
        assert child.returncode in (0, 143, -signal.SIGTERM), (delay, err)  # done, ended by it, or not started
        assert "Traceback" not in err and "Error" not in err, (delay, err)


def test_compare_json_gives_each_persons_indicators(tmp_path):
    import json

    from test_compare import rounds

    before, after, scheme = rounds(tmp_path)
    done = runner.invoke(app, ["compare", str(before), str(after), "-s", str(scheme), "--format", "json",
                               "-o", str(tmp_path / "c.json")])
    assert done.exit_code == 0, done.output
    wx001 = next(p for p in json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["people"]
                 if p["id"] == "WX001")
    # 15 × 60% ÷ 85% = 10.59 before, 15 × 72% ÷ 85% = 12.71 after: +2.12
    assert wx001["indicators"][0] == {"indicator": "上门服务到达及时率", "actual_before": 0.6, "actual_after": 0.72,
                                      "score_before": 10.59, "score_after": 12.71, "change": 2.12}


@pytest.mark.parametrize("starter", ["aftersales", "service-manager", "express-cs", "service-quality"])
def test_a_scored_workbook_reads_back_as_its_input(tmp_path, starter):
    # the Scores sheet carries the status, counts, raters' ratings, veto inputs and payout columns: compare
    # reads a scored BEFORE and finds every total unchanged against the input it was scored from
    from helpers import EXAMPLE_SOURCES, ROOT

    from kpiscore import write_result
    from kpiscore.api import compare

    example = next(p for p in (ROOT / "examples").glob(f"{starter}.*") if p.suffix in (".xlsx", ".csv"))
    sources = EXAMPLE_SOURCES.get(starter)
    write_result(score(example, starter, sources=sources), tmp_path / "scored.xlsx", "xlsx")
    found = compare(tmp_path / "scored.xlsx", example, starter, sources=sources)
    assert len(found.people) and found.people["change"].eq(0).all()
    assert found.scores["change"].fillna(0).eq(0).all()


def test_a_scored_workbook_with_participation_reads_back(tmp_path):
    from helpers import HEADER, write_xlsx

    from kpiscore import write_result
    from kpiscore.api import compare

    data = scheme_dict(participation={"column": "状态", "exclude": ["离职"]})
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rows = [[*HEADER, "状态"], ["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意", "在职"],
            ["E2", "李四", "一部", None, None, None, None, None, None, "离职"]]
    write_xlsx(tmp_path / "in.xlsx", rows)
    write_result(score(tmp_path / "in.xlsx", tmp_path / "s.yaml"), tmp_path / "scored.xlsx", "xlsx")
    scores = load_workbook(tmp_path / "scored.xlsx").worksheets[0]
    head = [c.value for c in next(scores.iter_rows(max_row=1))]
    assert head[3] == "状态" and scores.cell(2, 4).value == "在职"  # the status as typed
    found = compare(tmp_path / "scored.xlsx", tmp_path / "in.xlsx", tmp_path / "s.yaml")
    assert found.people[["id", "total_before", "total_after"]].to_dict("records") == [
        {"id": "E1", "total_before": 89.87, "total_after": 89.87}]


def test_an_indicator_that_can_never_reach_its_weight_is_linted(tmp_path):
    from kpiscore.lints import lint

    # a band list whose best score is 12 on a weight of 15: full marks everywhere would total 97, not 100
    data = scheme_dict()
    data["dimensions"][2]["indicators"][0]["rule"]["bands"][0]["score"] = 12
    data["dimensions"][2]["indicators"][0]["rule"]["bands"][1]["score"] = [10, 12]
    data["dimensions"][2]["indicators"][1]["rule"]["map"]["很满意"] = 5  # the mapping reaches its weight now
    found = [f for f in lint(load_scheme(data)) if f.code == "lint_below_weight"]
    assert [(f.field, f.params) for f in found] == [("售后服务报告准时率 › rule", {"points": "12", "weight": "15"})]
    assert found[0].message.startswith("最高只能得 12 分，达不到权重 15：人人在这一项都拿不到满分")


def test_choices_are_said_in_the_schemes_language():
    with pytest.raises(SchemeError) as caught:
        load_scheme(scheme_dict(missing="errr"))
    assert [f.message for f in caught.value.findings] == ["应为 'error'、'zero' 或 'skip' 之一，实际为 'errr'"]
    assert caught.value.findings[0].said_in("en").message == "expected one of 'error', 'zero' or 'skip', got 'errr'"


def test_a_lone_surrogate_in_a_key_is_a_finding(tmp_path):
    text = ('name: x\nmeasures:\n  "\\ud800": {source: t, agg: count}\n'
            "dimensions: [{name: d, indicators: [{name: a, weight: 100, target: 1}]}]\n")
    path = write_scheme(tmp_path / "s.yaml", text)
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert [(f.code, f.line) for f in caught.value.findings][:1] == [("yaml_surrogate", 3)]


def test_the_scheme_sheet_says_lower_is_better(tmp_path):
    from kpiscore import write_result

    data = scheme_dict()
    data["dimensions"][1]["indicators"][1]["direction"] = "lower"  # 客户服务投诉, a count: fewer is better
    import pandas as pd
    from helpers import HEADER

    result = score(pd.DataFrame([["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]], columns=HEADER), data)
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    rows = [[c.value for c in r] for r in load_workbook(tmp_path / "o.xlsx")["方案"].iter_rows()]
    head = next(r for r in rows if "方向" in r)
    row = next(r for r in rows if "客户服务投诉" in r)
    assert row[head.index("方向")] == "越低越好"


def test_mapping_labels_match_with_inner_spaces():
    # a real table writes 1 级 for the scheme's 1级 (and ２ 级 in full width): 1级 is 5 points, 2级 3
    import pandas as pd

    data = {"name": "x", "dimensions": [{"name": "维度", "indicators": [
        {"name": "等级评定", "weight": 5, "rule": {"type": "mapping", "map": {"1级": 5, "2级": 3}}},
        {"name": "其他", "weight": 95, "target": 100}]}]}
    frame = pd.DataFrame({"工号": ["E1", "E2", "E3"], "姓名": ["甲", "乙", "丙"], "等级评定": ["1 级", "２ 级", "1级"],
                          "其他": [100, 100, 100]})
    result = score(frame, data)
    assert result.scores["等级评定"].tolist() == [5.0, 3.0, 5.0]


def test_a_role_plans_period_sources_serve_the_scheme_that_declares_them(tmp_path):
    from helpers import write_xlsx
    from test_batch import SIMPLE

    from kpiscore.batch import run_batch

    # the staff scheme's 达成率 is Σ 已完成 ÷ Σ 应完成 over the export (甲: (3 + 2) ÷ (4 + 1) = 100%, score
    # 100); the managers' scheme has no sources and scores 投诉 as typed (经理甲: 100 − 10 × (3 − 1) = 80)
    staff = dict(SIMPLE, sources={"work": {"id": "工号"}},
                 measures={"达成率": {"source": "work", "agg": "ratio", "of": ["已完成", "应完成"]}})
    manager = {"name": "经理", "dimensions": [{"name": "D", "indicators": [
        {"name": "投诉", "weight": 100, "rule": {"type": "count", "allow": 1, "points": 10}}]}]}
    (tmp_path / "staff.yaml").write_text(yaml.safe_dump(staff, allow_unicode=True), encoding="utf-8")
    (tmp_path / "manager.yaml").write_text(yaml.safe_dump(manager, allow_unicode=True), encoding="utf-8")
    write_xlsx(tmp_path / "P1.xlsx", [["工号", "姓名", "部门", "岗位", "投诉", "绩效奖金基数"],
                                      ["1", "甲", "一部", "专员", None, 100], ["9", "经理甲", "一部", "经理", 3, 500]])
    write_csv(tmp_path / "work.csv", [["工号", "已完成", "应完成"], ["1", "3", "4"], ["1", "2", "1"]])
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "name": "r", "role_column": "岗位", "schemes": {"专员": "staff.yaml", "经理": "manager.yaml"}, "output": "o",
        "periods": [{"period": "P1", "input": "P1.xlsx", "sources": {"work": "work.csv"}}]},
        allow_unicode=True), encoding="utf-8")
    (p1,) = run_batch(plan).outcomes
    assert p1.findings == []
    assert p1.results["staff"].summary["total"].tolist() == [100.0]
    assert p1.results["manager"].summary["total"].tolist() == [80.0]


def test_a_rollups_name_comes_from_its_level_and_its_slip_says_a_missing_period(tmp_path):
    from test_batch import setup as plan_setup

    from kpiscore.batch import run_batch

    periods = {"2024Q1": [["1", "甲", "一部", 1.10, 1000], ["3", "丙", "二部", 0.90, 800]],
               "2024Q2": [["1", "甲", "一部", 1.20, 1000]]}
    report = run_batch(plan_setup(tmp_path, periods, {"period": "2024H1"}), slips=True)
    assert report.ok
    assert load_workbook(tmp_path / "out" / "2024H1_rollup.xlsx").sheetnames[0] == "半年度汇总"
    slips = load_workbook(tmp_path / "out" / "2024H1_rollup_slips.xlsx").worksheets[0]
    said = [c.value for row in slips.iter_rows() for c in row if isinstance(c.value, str)]
    assert "本期未参加考核（不在该期名单中，或未参评），不计入汇总" in said  # 丙 in 2024Q2
    # 2024 (a year), 2024Q3 (a quarter), and a label that is no span of months
    from kpiscore.io.rollupbook import rollup_title

    assert [rollup_title(p, "zh") for p in ("2024", "2024Q3", "2024-05", "上半年[试行]")] == [
        "年度汇总", "季度汇总", "月度汇总", "上半年（试行） 汇总"]


def test_the_how_to_sheets_example_is_rounded_as_scoring_rounds():
    from kpiscore.io.template import example_text

    # 1.4 × 78% ÷ 80% = 1.365 on paper, 1.36499… in binary: Excel's ROUND and scoring give 1.37 (it said 1.36)
    data = {"name": "x", "dimensions": [{"name": "d", "indicators": [{"name": "a", "weight": 1.4, "target": "80%"},
                                                                      {"name": "b", "weight": 98.6, "target": "80%"}]}]}
    scheme = load_scheme(data)
    assert example_text(scheme.indicators[0], "zh") == "1.4 × 78% ÷ 80% = 1.37"
    import pandas as pd

    scored = score(pd.DataFrame({"工号": ["E1"], "姓名": ["甲"], "a": [0.78], "b": [0.8]}), scheme)
    assert scored.scores["a"].tolist() == [1.37]


def test_one_mean_of_the_scores_shown():
    import pandas as pd

    from kpiscore.core import analysis

    # 15 × 60% ÷ 90% = 10.0, 15 × 61% ÷ 90% = 10.1666… → 10.17 shown: the mean shown is (10.00 + 10.17) ÷ 2
    # = 10.085 on both sheets (the raw mean 10.0833… was the Improvement sheet's)
    data = {"name": "x", "columns": {"group": "部门"}, "dimensions": [{"name": "d", "indicators": [
        {"name": "a", "weight": 15, "target": "90%"}, {"name": "b", "weight": 85, "target": "100%"}]}]}
    result = score(pd.DataFrame({"工号": ["E1", "E2"], "姓名": ["甲", "乙"], "部门": ["一部", "一部"],
                                 "a": [0.60, 0.61], "b": [1.0, 1.0]}), data)
    plan = analysis.improvement(result)
    shown = plan.loc[(plan["scope"] == analysis.EVERYONE) & (plan["indicator"] == "a"), "mean_score"].item()
    groups = analysis.group_table(result).set_index("group")
    assert shown == groups.loc[analysis.EVERYONE, "a"] == pytest.approx(10.085, abs=1e-12)


def test_a_plan_naming_files_too_long_for_the_file_system(tmp_path):
    from test_batch import PERIODS
    from test_batch import setup as plan_setup

    from kpiscore import KpiscoreError
    from kpiscore.batch import load_plan, run_batch

    path = plan_setup(tmp_path, {"M1": PERIODS["M1"]}, {"period": "Y"})
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("scheme: s.yaml", "scheme: s" + "9" * 1000 + ".yaml"), encoding="utf-8")
    with pytest.raises(KpiscoreError) as caught:  # was OSError: File name too long
        load_plan(path)
    assert [f.code for f in caught.value.findings] == ["unknown_scheme"]
    path.write_text(text.replace("input: M1.xlsx", "input: M" + "1" * 1000 + ".xlsx"), encoding="utf-8")
    (outcome,) = run_batch(path).outcomes
    assert [f.code for f in outcome.findings] == ["file_missing"]
    path.write_text(text.replace("output: out", "output: o" + "9" * 300), encoding="utf-8")  # text, not a number
    with pytest.raises(SchemeError) as caught:
        load_plan(path)
    assert [(f.code, f.field) for f in caught.value.findings] == [("plan_folder_long", "output")]


def test_a_heading_twice_in_an_adjustments_file_or_the_improvement_sheet(tmp_path):
    from test_calibration import SCHEME as CALIBRATED
    from test_calibration import people
    from test_compare import rounds

    from kpiscore.api import compare

    text = "工号,项目,调整为,原因,批准人,原因\nWX001,总分,90,复核,王总,另一条\n"
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:  # which 原因 is the reason? (was an AttributeError)
        score(people([95]), load_scheme(CALIBRATED), adjust=tmp_path / "a.csv")
    assert [(f.code, f.cell) for f in caught.value.findings] == [("column_duplicate", "D1")]
    before, after, scheme = rounds(tmp_path)
    book = load_workbook(before)
    sheet = book["改进计划"]
    head = next(r[0].row for r in sheet.iter_rows() if any(c.value == "责任人" for c in r))
    sheet.cell(head, sheet.max_column + 1, "责任人")
    book.save(before)
    with pytest.raises(InputError) as caught:
        compare(before, after, scheme)
    assert [f.code for f in caught.value.findings] == ["column_duplicate"]


def test_a_ratio_over_a_tiny_count_is_refused_without_a_warning(tmp_path):
    # 1 ÷ 1e-320 overflows a double: no RuntimeWarning, and the infinite score is refused naming E1
    write_scheme(tmp_path / "s.yaml", TICKETS + """\
  解决率: {source: tickets, agg: ratio, of: [已解决, 工单]}
dimensions:
  - name: 维度
    indicators:
      - {name: 解决率, weight: 100, target: 80%}
""")
    write_csv(tmp_path / "t.csv", [["工号", "已解决", "工单"], ["E1", "1", "1e-320"]])
    with pytest.raises(InputError) as caught:
        score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
    assert [(f.code, f.params["id"]) for f in caught.value.findings] == [("score_not_finite", "E1")] * 2


def test_a_path_no_file_system_can_name():
    with pytest.raises(InputError) as caught:
        score("\ud800.xlsx", "aftersales")
    assert [f.code for f in caught.value.findings] == ["path_unencodable"]


def test_a_teams_row_without_its_group_is_said(tmp_path):
    # the rich round of the campaign: 二组's pool, then two rows of 7500.50 with no 部门 (was a ValueError)
    import shutil
    from pathlib import Path

    rich = Path(__file__).parent / "fuzz" / "rich"
    for name in ("scheme.yaml", "input.csv", "tickets.csv", "ratings.csv", "teams.csv"):
        shutil.copy(rich / name, tmp_path / name)
    with (tmp_path / "teams.csv").open("a", encoding="utf-8") as f:
        f.write(",7500.50\n,7500.50\n")
    with pytest.raises(InputError) as caught:
        score(tmp_path / "input.csv", tmp_path / "scheme.yaml",
              sources={n: tmp_path / f"{n}.csv" for n in ("tickets", "ratings", "teams")})
    assert [(f.code, f.cell) for f in caught.value.findings] == [("team_row_no_group", "A4"),
                                                                  ("team_row_no_group", "A5")]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "merged xlsx"])
def test_an_export_column_headed_twice_is_said_at_its_heading(tmp_path, kind):
    # found by the campaign (seed 27): a tickets export whose header repeats 类型 had been a polars ShapeError
    # where the export was read whole, and elsewhere was silently the first 类型 (投诉 counted from either)
    import shutil
    from pathlib import Path

    from openpyxl import Workbook

    rich = Path(__file__).parent / "fuzz" / "rich"
    for name in ("scheme.yaml", "input.csv", "ratings.csv", "teams.csv"):
        shutil.copy(rich / name, tmp_path / name)
    head, *body = (rich / "tickets.csv").read_text(encoding="utf-8").splitlines()
    rows = [f"{head},类型", *(f"{line},投诉" for line in body)]
    tickets = tmp_path / ("tickets.csv" if kind == "csv" else "tickets.xlsx")
    if kind != "csv":
        wb = Workbook()
        for line in rows:
            wb.active.append(line.split(","))
        if kind == "merged xlsx":  # a merge in the body sends the export to the whole-sheet reader
            wb.active.merge_cells("F3:F4")
        wb.save(tickets)
    else:
        tickets.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        score(tmp_path / "input.csv", tmp_path / "scheme.yaml",
              sources={"tickets": tickets, "ratings": tmp_path / "ratings.csv", "teams": tmp_path / "teams.csv"})
    [found] = caught.value.findings
    assert (found.code, found.cell, found.message) == ("column_duplicate", "C1", "列 类型 出现了两次")


def test_a_rollup_period_excel_cannot_name_a_sheet_by_is_written(tmp_path):
    # found by the campaign (seed 28): a level named ' was xlsxwriter's InvalidWorksheetName (a sheet name may
    # not start or end with '; : * ? / \ the plan already refuses, as no file can be named by them)
    import shutil
    from pathlib import Path

    from openpyxl import load_workbook

    from kpiscore import run_batch

    rich = Path(__file__).parent / "fuzz" / "rich"
    for p in rich.iterdir():
        shutil.copy(p, tmp_path / p.name)
    plan = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan.replace('period: "2024"', "period: \"'H1[2]'\""), encoding="utf-8")
    report = run_batch(tmp_path / "plan.yaml", force=True)
    path = report.rollups[-1][0]
    assert load_workbook(path).sheetnames[0] == "H1（2）' 汇总"  # the level's name, as Excel takes it
