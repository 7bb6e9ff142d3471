"""Participation: who is not assessed this round is left out of every score, rank, quota and mean, and listed."""

import json

import pandas as pd
import pytest
import yaml
from helpers import HEADER, scheme_dict, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from kpiscore import InputError, SchemeError, load_scheme, score, write_template
from kpiscore.batch import run_batch
from kpiscore.cli import app
from kpiscore.core import analysis

runner = CliRunner()
PARTICIPATION = {"column": "状态", "exclude": ["试用期", "停薪留职", "离职"]}
# E1 scores 15 × 88% ÷ 90% = 14.67, 20 × 82% ÷ 80% = 20.50, 30 − (95% − 91.5%) ÷ 1% × 1 = 26.50, 15 − (5 − 3) = 13,
# 12 + 3 × (92% − 90%) ÷ (95% − 90%) = 13.20, 较满意 2: total 89.87; E4 15 + 20 + 30 + 15 + 15 + 很满意 3 = 98
E1 = ["E1", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]
E4 = ["E4", "赵六", "二部", 0.9, 0.8, 0.95, 0, 0.95, "很满意"]


def scheme(**changes):
    return load_scheme(scheme_dict(participation=PARTICIPATION, **changes))


def frame(rows):
    return pd.DataFrame(rows, columns=[*HEADER, "状态"])


def test_excluded_rows_are_left_out_and_listed_with_their_reason():
    # E2's blanks and E3's "abc" would be errors for anyone assessed; a status typed " 试用期" with a
    # full-width space still matches, and a blank or any other status is assessed
    rows = [[*E1, "在职"], ["E2", "李四", "一部", None, None, None, None, None, None, "\u3000试用期 "],
            ["E3", "王五", "二部", "abc", None, None, None, None, None, "离职"], [*E4, None]]
    result = score(frame(rows), scheme())
    alone = score(frame([[*E1, "在职"], [*E4, None]]), scheme())
    assert result.people["id"].tolist() == ["E1", "E4"]
    pd.testing.assert_frame_equal(result.summary.reset_index(drop=True), alone.summary.reset_index(drop=True))
    assert result.summary["total"].tolist() == [89.87, 98.0]
    assert result.not_assessed.to_dict("records") == [
        {"id": "E2", "name": "李四", "group": "一部", "reason": "试用期"},
        {"id": "E3", "name": "王五", "group": "二部", "reason": "离职"}]
    assert [(w.code, w.params) for w in result.warnings if w.code == "not_assessed"] == [
        ("not_assessed", {"count": 2, "reasons": "试用期 1、离职 1"})]
    document = result.to_dict()
    assert [e["id"] for e in document["employees"]] == ["E1", "E4"]
    assert document["not_assessed"] == [{"id": "E2", "name": "李四", "group": "一部", "reason": "试用期"},
                                        {"id": "E3", "name": "王五", "group": "二部", "reason": "离职"}]


def test_not_counted_in_a_quota_headcount_or_mean():
    # 优秀 (≥ 85) at most 50%: of the 2 assessed, floor(2 × 50%) = 1 keeps it, so 89.87 drops to 良好 (counting
    # the 2 excluded, floor(4 × 50%) = 2 would keep both); the group table counts and means the assessed alone
    grades = [{"grade": "优秀", "min": 85, "max_share": "50%"}, {"grade": "良好", "min": 0}]
    rows = [[*E1, None], ["E2", "李四", "一部", 0.9, 0.8, 0.95, 0, 0.95, "很满意", "停薪留职"], [*E4, None],
            ["E5", "钱七", "二部", 0.9, 0.8, 0.95, 0, 0.95, "很满意", "离职"]]
    result = score(frame(rows), scheme(grades=grades))
    assert result.summary["grade"].tolist() == ["良好", "优秀"]
    table = analysis.group_table(result).set_index("group")
    assert table["headcount"].to_dict() == {"一部": 1, "二部": 1, analysis.EVERYONE: 2}
    assert table.loc[analysis.EVERYONE, "mean_total"] == 93.935  # (89.87 + 98.00) ÷ 2


def test_not_assessed_sheet_and_explain(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [[*HEADER, "状态"], [*E1, "在职"],
                                            ["E2", "李四", "一部", None, None, None, None, None, None, "试用期"]])
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme_dict(participation=PARTICIPATION), allow_unicode=True),
                                     encoding="utf-8")
    out = tmp_path / "a_scored.xlsx"
    done = runner.invoke(app, ["score", str(path), "-s", str(tmp_path / "s.yaml"), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "1 人未参评（试用期 1），已列在“未参评”表" in done.output
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:3] == ["得分", "计算明细", "未参评"]
    listed = [["工号", "姓名", "部门", "原因"], ["E2", "李四", "一部", "试用期"]]
    assert book.get_sheet_by_name("未参评").to_python() == listed
    said = runner.invoke(app, ["explain", str(path), "-s", str(tmp_path / "s.yaml"), "--id", "E2"])
    assert said.exit_code == 0 and "E2 本期未参评（试用期），没有计分" in said.output  # a normal answer
    document = runner.invoke(app, ["score", str(path), "-s", str(tmp_path / "s.yaml"), "-o", "-"]).stdout
    assert json.loads(document)["not_assessed"] == [{"id": "E2", "name": "李四", "group": "一部", "reason": "试用期"}]


def test_everyone_assessed_says_so_on_the_sheet(tmp_path):
    result = score(frame([[*E1, None]]), scheme())
    out = tmp_path / "o.xlsx"
    from kpiscore import write_result

    write_result(result, out, "xlsx")
    assert CalamineWorkbook.from_path(str(out)).get_sheet_by_name("未参评").to_python() == [
        ["工号", "姓名", "部门", "原因"], ["本期无人未参评", "", "", ""]]


def test_the_status_column_is_required_and_no_identity_column(tmp_path):
    with pytest.raises(InputError) as caught:
        score(pd.DataFrame([E1], columns=HEADER), scheme())
    assert [(f.code, f.params, f.cell) for f in caught.value.findings] == [
        ("columns_missing", {"columns": "状态"}, "1:1")]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scheme_dict(participation={"column": "工号", "exclude": []}), allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(SchemeError) as bad:
        load_scheme(path)
    assert sorted((f.code, f.field) for f in bad.value.findings) == [
        ("column_reserved", "participation.column"), ("too_short", "participation.exclude")]


def test_template_has_the_status_column_and_says_what_it_does(tmp_path):
    write_template(scheme(), tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    data = book["考核数据"]
    assert [c.value for c in data[3]][:4] == ["工号", "姓名", "部门", "状态"]
    assert "填 试用期、停薪留职、离职 的人不参加本期考核" in data.cell(3, 4).comment.text
    lines = [row[0] for row in book["填写说明"].iter_rows(values_only=True) if row[0]]
    assert ("3. “状态”列填 试用期、停薪留职、离职 的人本期不参加考核（不计分、不排名），列在结果的“未参评”表；"
            "其他内容或留空照常考核。") in lines


def test_a_period_not_assessed_is_absent_from_the_rollup(tmp_path):
    # 乙 is 停薪留职 in M2: the roll-up means over M1 and M3 alone, (100 + 104) ÷ 2 = 102, not (100 + 0 + 104) ÷ 3
    plain = {"name": "单指标", "participation": {"column": "状态", "exclude": ["停薪留职"]},
             "dimensions": [{"name": "D", "indicators": [{"name": "达成率", "weight": 100, "target": "100%"}]}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    periods = {"M1": [["1", "甲", 1.1, None], ["2", "乙", 1.0, None]],
               "M2": [["1", "甲", 1.2, None], ["2", "乙", None, "停薪留职"]],
               "M3": [["1", "甲", 1.0, "在职"], ["2", "乙", 1.04, None]]}
    for name, rows in periods.items():
        write_xlsx(tmp_path / f"{name}.xlsx", [["工号", "姓名", "达成率", "状态"], *rows])
    plan = {"name": "年度", "scheme": "s.yaml", "output": "out", "rollup": {"period": "Q"},
            "periods": [{"period": p, "input": f"{p}.xlsx"} for p in periods]}
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    report = run_batch(tmp_path / "plan.yaml")
    ws = load_workbook(report.rollup_path).worksheets[0]
    head, *rows = list(ws.iter_rows(values_only=True))
    second = dict(zip(head, rows[1], strict=True))
    assert (second["Q 总分"], second["M2 总分"], second["参与期数"], second["缺期"]) == (102, None, 2, "是")


cell = st.one_of(st.none(), st.floats(0, 1.2, allow_nan=False), st.integers(0, 9), st.sampled_from(["abc", "—"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(PARTICIPATION["exclude"]), st.lists(cell, min_size=6, max_size=6)),
                min_size=1, max_size=5), st.integers(0, 2))
def test_adding_excluded_rows_never_changes_anyone(rows, at):
    # whatever an excluded row holds, even cells that would be errors, and wherever it stands
    people = [[*E1, None], [*E4, "在职"], ["E5", "孙八", "一部", 0.7, 0.9, 0.99, 2, 0.85, "不满意", None]]
    extra = [[f"X{i}", "某", "一部", *cells[:5], "很满意", status] for i, (status, cells) in enumerate(rows)]
    before = score(frame(people), scheme(grades=[{"grade": "A", "min": 95, "max_share": "40%"},
                                                 {"grade": "B", "min": 0}]))
    mixed = people[:at] + extra + people[at:]
    after = score(frame(mixed), scheme(grades=[{"grade": "A", "min": 95, "max_share": "40%"},
                                               {"grade": "B", "min": 0}]))

    def by_id(result):
        table = pd.concat([result.people[["id"]], result.scores, result.summary], axis=1)
        return table.set_index("id").sort_index()

    pd.testing.assert_frame_equal(by_id(before), by_id(after))
    assert sorted(after.not_assessed["id"]) == sorted(r[0] for r in extra)
