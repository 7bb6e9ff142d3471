"""Any number of raters, one rating per row (issue 14, part 4): role means weighted and renormalised, trim
within a role, min_raters, self-ratings shown, and every bad row of the source located."""

import json

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import InputError, SchemeError, load_scheme, score
from kpiscore.cli import app
from kpiscore.words.result import Words

PANEL = ["被评人", "评分人", "角色", "分数"]


def scheme(rating=None, **extra):
    rule = {"type": "rating", "source": "panel", "rater": "评分人", "role": "角色", "score": "分数",
            "roles": {"上级": 60, "下级": 40}, "scale": 5, **(rating or {})}
    return load_scheme({"name": "360", "sources": {"panel": {"id": "被评人"}}, "columns": {"group": None},
                        "dimensions": [{"name": "协作", "indicators": [
                            {"name": "团队协作", "weight": 7, "rule": rule},
                            {"name": "业绩", "weight": 93, "target": 100}]}], **extra})


def people(*ids):
    return pd.DataFrame({"工号": list(ids), "姓名": [f"员工{i}" for i in ids], "业绩": 100})


def panel(tmp_path, rows, header=PANEL):
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="gbk")
    return {"panel": path}


ISSUE_ROWS = [["E1", "王总", "上级", 4.5], ["E1", "A", "下级", 4], ["E1", "B", "下级", 5], ["E1", "C", "下级", 3],
              ["E1", "E1", "自评", 5]]


def test_the_issue_check_gives_6_02(tmp_path):
    r = score(people("E1"), scheme(), sources=panel(tmp_path, ISSUE_ROWS))
    # 上级 4.5; 下级 (4 + 5 + 3) ÷ 3 = 4.0; 0.6 × 4.5 + 0.4 × 4.0 = 2.7 + 1.6 = 4.30; 7 × 4.30 ÷ 5 = 6.02
    assert r.scores.iloc[0]["团队协作"] == 6.02
    assert Words(r).audit().iloc[0]["团队协作"] == ("上级 4.5；下级 4, 5, 3 → 4.0；自评 5（不计入）；"
                                           "0.6 × 4.5 + 0.4 × 4.0 = 4.30 → 7 × 4.30 ÷ 5 = 6.02")


def test_weights_are_renormalised_over_the_roles_present(tmp_path):
    r = score(people("E1"), scheme(), sources=panel(tmp_path, [["E1", "A", "下级", 4], ["E1", "B", "下级", 3]]))
    # only 下级: its mean (4 + 3) ÷ 2 = 3.5 is the rating; 7 × 3.5 ÷ 5 = 4.90
    assert r.scores.iloc[0]["团队协作"] == 4.90
    assert Words(r).audit().iloc[0]["团队协作"] == "下级 4, 3 → 3.5 → 7 × 3.50 ÷ 5 = 4.90"


def test_trim_within_a_role(tmp_path):
    rows = [["E1", "王总", "上级", 4], ["E1", "A", "下级", 5], ["E1", "B", "下级", 2], ["E1", "C", "下级", 4],
            ["E1", "D", "下级", 3]]
    r = score(people("E1"), scheme({"trim": True}), sources=panel(tmp_path, rows))
    # 下级 5, 2, 4, 3 without the highest and lowest: (4 + 3) ÷ 2 = 3.5; 0.6 × 4 + 0.4 × 3.5 = 2.4 + 1.4 = 3.80;
    # 7 × 3.8 ÷ 5 = 5.32
    assert r.scores.iloc[0]["团队协作"] == 5.32
    assert "下级 5, 2, 4, 3（去掉最高、最低） → 3.5" in Words(r).audit().iloc[0]["团队协作"]


def test_without_roles_every_rating_counts_alike_but_a_self_rating(tmp_path):
    rule = {"roles": None, "role": None}
    rows = [["E1", "王总", 4.5], ["E1", "A", 4], ["E1", "B", 5], ["E1", "E1", 5]]
    r = score(people("E1"), scheme(rule), sources=panel(tmp_path, rows, ["被评人", "评分人", "分数"]))
    # (4.5 + 4 + 5) ÷ 3 = 4.5; E1 rating E1 is shown, not counted; 7 × 4.5 ÷ 5 = 6.30
    assert r.scores.iloc[0]["团队协作"] == 6.30
    assert Words(r).audit().iloc[0]["团队协作"] == "4.5, 4, 5 → 4.5；自评 5（不计入） → 7 × 4.50 ÷ 5 = 6.30"


def test_fewer_than_min_raters_is_blank_then_the_missing_policy(tmp_path):
    rows = [["E1", "王总", "上级", 4.5], ["E2", "王总", "上级", 4], ["E2", "A", "下级", 4]]
    with pytest.raises(InputError) as exc:
        score(people("E1", "E2"), scheme({"min_raters": 2}), sources=panel(tmp_path, rows))
    [f] = exc.value.findings
    assert (f.code, f.file) == ("rating_blank", "panel.csv")
    assert f.message == "E1 在来源 panel 中没有可计入的评分（团队协作）：请补充评分，或在方案中设 missing: skip"
    r = score(people("E1", "E2"), scheme({"min_raters": 2}, missing="skip"), sources=panel(tmp_path, rows))
    # E1 is skipped and rescaled; E2: 0.6 × 4 + 0.4 × 4 = 4.00 → 7 × 4 ÷ 5 = 5.60
    assert pd.isna(r.scores.iloc[0]["团队协作"]) and r.scores.iloc[1]["团队协作"] == 5.60


def test_bad_rows_are_located_errors(tmp_path):
    rows = [["E1", "王总", "上级", 4.5], ["E1", "王总", "上级", 4], ["E1", "A", "下级", 6], ["E1", "B", "下级", "好"],
            ["E9", "C", "下级", 4]]
    with pytest.raises(InputError) as exc:
        score(people("E1"), scheme(), sources=panel(tmp_path, rows))
    assert [(f.code, f.file, f.cell) for f in exc.value.findings] == [
        ("not_number", "panel.csv", "D5"), ("rating_scale", "panel.csv", "D4"), ("rating_duplicate", "panel.csv", "B3")]
    said = {f.code: f.message for f in exc.value.findings}
    assert said["rating_duplicate"] == "王总 对 E1 的评分重复（另见第 2 行）：每位评分人对每人只评一次"
    assert said["rating_scale"] == "'6' 不在 0–5 分之间（团队协作）"
    with pytest.raises(InputError) as exc:
        score(people("E1"), scheme(), sources=panel(tmp_path, [rows[0], rows[4]]))
    [f] = exc.value.findings
    assert (f.code, f.cell, f.message) == ("rating_ratee_unknown", "A3",
                                           "被评人 E9 不在本期考核名单中（panel）：请核对工号")


@pytest.mark.parametrize(("rule", "code"), [
    ({"source": None}, "rating_raters_or_source"),
    ({"raters": ["上级"]}, "rating_raters_or_source"),
    ({"score": None}, "rating_source_columns"),
    ({"role": None}, "rating_roles_column"),
])
def test_scheme_problems(rule, code):
    with pytest.raises(SchemeError) as exc:
        scheme(rule)
    assert code in [f.code for f in exc.value.findings]


def test_the_source_must_be_declared_by_id():
    with pytest.raises(SchemeError) as exc:
        scheme(sources={"panel": {"group": "部门"}})
    assert [f.code for f in exc.value.findings] == ["source_not_by_id"]


def test_template_leaves_the_rating_to_its_source_and_the_workbook_shows_the_breakdown(tmp_path):
    s = scheme()
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(s.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False),
                    encoding="utf-8")
    out = tmp_path / "t.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["template", "-s", str(path), "-o", str(out)]).exit_code == 0
    header = [c.value for c in load_workbook(out)["考核数据"][3]]
    assert "业绩" in header and "团队协作" not in header  # the ratings come from the panel, not typed
    data = tmp_path / "in.csv"
    people("E1").to_csv(data, index=False)
    scored = tmp_path / "scored.xlsx"
    given = panel(tmp_path, ISSUE_ROWS)["panel"]
    done = runner.invoke(app, ["score", str(data), "-s", str(path), "--source", f"panel={given}", "-o", str(scored)])
    assert done.exit_code == 0, done.output
    audit = list(load_workbook(scored)["计算明细"].iter_rows(values_only=True))
    assert audit[1][2].startswith("上级 4.5；下级 4, 5, 3 → 4.0")
