"""Calibration and appeals (issue 14, part 2): totals and grades changed after scoring, each with its reason
and approver, applied before the quotas, said on Scores, in the audit, in JSON and in the roll-up."""

import json

import pandas as pd
import pytest
import yaml
from helpers import write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import InputError, load_scheme, score
from kpiscore.batch import run_batch
from kpiscore.cli import app
from kpiscore.words.result import Words

runner = CliRunner()
GRADES = [{"grade": "优秀", "min": 90, "coefficient": 1.2}, {"grade": "良好", "min": 80, "coefficient": 1.0},
          {"grade": "达标", "min": 70, "coefficient": 1.0}, {"grade": "待改进", "min": 0, "coefficient": 0.8}]
SCHEME = {"name": "售后", "columns": {"group": "部门", "base": "绩效奖金基数"}, "grades": GRADES,
          "participation": {"column": "状态", "exclude": ["试用期"]},
          "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 100, "target": 100}]}]}
HEADER = ["工号", "项目", "调整为", "原因", "批准人"]


def people(totals):
    """WX001 … whose total is their A; base 1300 each."""
    return pd.DataFrame({"工号": [f"WX{i + 1:03d}" for i in range(len(totals))], "姓名": "某", "部门": "一组",
                         "状态": "", "A": totals, "绩效奖金基数": 1300})


def adjust(*rows):
    return pd.DataFrame(list(rows), columns=HEADER)


def test_the_issue_check_wx003_excellent_to_good_pays_1300_not_1560():
    r = score(people([95, 85, 91.2]), load_scheme(SCHEME),
              adjust=adjust(["WX003", "等级", "良好", "客户投诉升级未结案", "李总"]))
    # 91.20 ≥ 90 reaches 优秀 (coefficient 1.2, 1300 × 1.2 = 1560); calibrated to 良好: 1300 × 1.0 = 1300
    row = r.summary.iloc[2]
    assert (row["total"], row["grade"], row["coefficient"], row["payout"]) == (91.2, "良好", 1.0, 1300.0)
    assert list(r.summary["adjusted"]) == [False, False, True]
    assert Words(r).grade_notes().iloc[2] == "校准：优秀 → 良好（原因：客户投诉升级未结案；批准人：李总）"
    assert r.to_dict()["employees"][2]["adjustment"] == [
        {"item": "grade", "from": "优秀", "to": "良好", "reason": "客户投诉升级未结案", "approver": "李总"}]
    assert r.to_dict()["employees"][0]["adjustment"] is None


def test_a_total_adjustment_regrades_and_reranks():
    r = score(people([95, 85, 91.2]), load_scheme(SCHEME), adjust=adjust(["WX002", "总分", "96", "申诉成立", "王总"]))
    # 85 → 96: grade 优秀 (≥ 90), rank 1 ahead of 95 and 91.2
    assert list(r.summary["total"]) == [95.0, 96.0, 91.2]
    assert list(r.summary["rank"]) == [2, 1, 3]
    assert r.summary.iloc[1]["grade"] == "优秀"
    assert Words(r).grade_notes().iloc[1] == "校准：总分 85.00 → 96.00（原因：申诉成立；批准人：王总）"
    assert Words(r).total().iloc[1] == "85.00 = 85.00；校准 → 96.00"


def test_an_adjusted_grade_stays_fixed_during_the_quotas():
    grades = [dict(GRADES[0], max_share="20%"), *GRADES[1:]]
    s = load_scheme({**SCHEME, "grades": grades})
    # ten people, floor(10 × 20%) = 2 places of 优秀; WX010 (75) is calibrated up to 优秀 and stays there; it
    # counts in the quota, so only the highest other total (99) keeps 优秀, and 98, 97 drop to 良好
    r = score(people([99, 98, 97, 85, 84, 83, 82, 81, 80, 75]), s,
              adjust=adjust(["WX010", "等级", "优秀", "年度攻坚项目", "李总"]))
    assert list(r.summary["grade"][:3]) == ["优秀", "良好", "良好"]
    assert r.summary.iloc[9]["grade"] == "优秀"
    notes = Words(r).grade_notes()
    assert notes.iloc[9] == "校准：达标 → 优秀（原因：年度攻坚项目；批准人：李总）"
    assert notes.iloc[1] == "强制分布：优秀名额 floor(10 × 20%) = 2（其中 1 个由固定等级占用），排第 3，降为良好"


def test_refused_adjustments_are_errors_at_their_cells(tmp_path):
    path = write_xlsx(tmp_path / "adjust.xlsx", [HEADER,
                                                 ["WX009", "等级", "良好", "复核", "李总"],
                                                 ["WX001", "级别", "良好", "复核", "李总"],
                                                 ["WX001", "等级", "卓越", "复核", "李总"],
                                                 ["WX002", "总分", "120", "", "李总"],
                                                 ["WX003", "等级", "良好", "复核", None],
                                                 ["WX003", "等级", "达标", "复核", "王总"],
                                                 ["WX004", "等级", "达标", "复核", "王总"]])
    frame = pd.concat([people([95, 85, 91.2]), people([70]).assign(工号="WX004", 状态="试用期")], ignore_index=True)
    with pytest.raises(InputError) as exc:
        score(frame, load_scheme(SCHEME), adjust=path)
    # the title is row 1, the header row 3: the first adjustment is row 4
    assert [(f.code, f.file, f.cell) for f in exc.value.findings] == [
        ("adjust_id_unknown", "adjust.xlsx", "A4"), ("adjust_what", "adjust.xlsx", "B5"),
        ("adjust_grade_invalid", "adjust.xlsx", "C6"), ("adjust_total_invalid", "adjust.xlsx", "C7"),
        ("adjust_reason_missing", "adjust.xlsx", "D7"), ("adjust_approver_missing", "adjust.xlsx", "E8"),
        ("adjust_duplicate", "adjust.xlsx", "B9"), ("adjust_not_assessed", "adjust.xlsx", "A10")]
    said = {f.code: f.message for f in exc.value.findings}
    assert said["adjust_grade_invalid"] == "等级 '卓越' 不是方案中的等级（优秀、良好、达标、待改进）"
    assert said["adjust_total_invalid"] == "调整后的总分 '120' 不是 0 到 100 之间的数"
    assert said["adjust_duplicate"] == "工号 WX003 的“等级”调整重复（另见第 8 行）：每人每项只能调整一次"
    assert said["adjust_not_assessed"] == "工号 WX004 本期未参评（试用期），不能调整"


def test_english_headings_and_missing_columns():
    s = load_scheme(SCHEME)
    r = score(people([95]), s, adjust=pd.DataFrame({"工号": ["WX001"], "what": ["grade"], "To": ["良好"],
                                                    "REASON": ["x"], "Approver": ["y"]}))
    assert r.summary.iloc[0]["grade"] == "良好"
    with pytest.raises(InputError) as exc:
        score(people([95]), s, adjust=pd.DataFrame({"工号": ["WX001"], "项目": ["等级"], "调整为": ["良好"]}))
    [f] = exc.value.findings
    assert (f.code, f.message) == ("columns_missing", "缺少列：原因, 批准人")


def test_cli_scores_sheet_audit_json_and_explain(tmp_path):
    scheme = tmp_path / "s.yaml"
    scheme.write_text(yaml.safe_dump(SCHEME, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "in.csv"
    people([95, 85, 91.2]).to_csv(data, index=False, encoding="gbk")
    adj = write_xlsx(tmp_path / "adjust.xlsx", [HEADER, ["WX003", "等级", "良好", "客户投诉升级未结案", "李总"]])
    out = tmp_path / "out.xlsx"
    done = runner.invoke(app, ["score", str(data), "-s", str(scheme), "--adjust", str(adj), "-o", str(out)])
    assert done.exit_code == 0, done.output
    book = load_workbook(out)
    scores = list(book["得分"].iter_rows(values_only=True))
    flag = scores[0].index("调整")
    assert [r[flag] for r in scores[1:]] == ["否", "否", "是"]
    audit = list(book["计算明细"].iter_rows(values_only=True))
    assert "校准：优秀 → 良好（原因：客户投诉升级未结案；批准人：李总）" in audit[3]
    sources = [r[0] for r in book["数据来源"].iter_rows(values_only=True)]
    assert "adjust" in sources  # the adjustments file's name and SHA-256, for provenance
    shown = runner.invoke(app, ["explain", str(data), "-s", str(scheme), "--adjust", str(adj), "--id", "WX003"])
    assert "校准：优秀 → 良好（原因：客户投诉升级未结案；批准人：李总）" in shown.output
    assert "绩效奖金：1300.00 × 1.0 = 1300.00" in shown.output
    js = runner.invoke(app, ["score", str(data), "-s", str(scheme), "--adjust", str(adj), "-f", "json", "-o", "-"])
    assert json.loads(js.output)["employees"][2]["adjustment"][0]["to"] == "良好"


def test_a_plan_period_takes_adjustments_and_the_rollup_carries_them(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SCHEME, allow_unicode=True), encoding="utf-8")
    for period in ("Q1", "Q2"):
        write_xlsx(tmp_path / f"{period}.xlsx", [list(people([95]).columns), *people([95, 85]).values.tolist()])
    write_xlsx(tmp_path / "q1-adjust.xlsx", [HEADER, ["WX001", "总分", "88", "复核扣分", "李总"]])
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "年度", "scheme": "s.yaml", "output": "out", "periods": [
        {"period": "Q1", "input": "Q1.xlsx", "adjust": "q1-adjust.xlsx"}, {"period": "Q2", "input": "Q2.xlsx"}],
        "rollup": {"period": 2024}}, allow_unicode=True), encoding="utf-8")
    report = run_batch(plan)
    assert report.ok
    [q1] = report.outcomes[0].results.values()
    assert q1.summary.iloc[0]["total"] == 88.0
    rows = list(load_workbook(report.rollup_path).worksheets[0].iter_rows(values_only=True))
    heading = list(rows[0])
    # WX001: (88 + 95) ÷ 2 = 91.50
    assert rows[1][heading.index("2024 总分")] == 91.5
    assert rows[1][heading.index("调整")] == "Q1 校准：总分 95.00 → 88.00（原因：复核扣分；批准人：李总）"
    assert rows[2][heading.index("调整")] in ("", None)


def test_a_gbk_export_with_a_title_and_full_width_text(tmp_path):
    path = tmp_path / "校准.csv"
    lines = ["2024年3月 绩效校准会议纪要", "工号,项目,调整为,原因,批准人",
             "ＷＸ００３,等级　,良好,客户投诉升级未结案,李总"]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    r = score(people([95, 85, 91.2]), load_scheme(SCHEME), adjust=path)
    # the id typed full-width (ＷＸ００３) is WX003 after folding; 等级 with a full-width space is 等级
    assert r.summary.iloc[2]["grade"] == "良好"
    assert Words(r).grade_notes().iloc[2] == "校准：优秀 → 良好（原因：客户投诉升级未结案；批准人：李总）"
