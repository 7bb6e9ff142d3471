"""Before and after (issue 15, part 2): per indicator, group and person; the improvement plan followed up;
people in one round only; a scheme that changed, in words."""

import datetime
import json
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import api
from kpiscore.cli import app
from kpiscore.text import voice
from kpiscore.words.compare import changes, shown

runner = CliRunner()
SCHEME = {"name": "售后服务质量评价", "dimensions": [{"name": "时效性", "indicators": [
    {"name": "上门服务到达及时率", "weight": 15, "target": "85%"}, {"name": "其他", "weight": 85, "target": "100%"}]}]}


def rounds(tmp_path, scheme=SCHEME):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    before = pd.DataFrame({"工号": ["WX001", "WX002"], "姓名": ["张伟", "王芳"], "部门": ["维修一部", "维修二部"],
                           "上门服务到达及时率": [0.60, 0.90], "其他": [0.90, 0.95]})
    before.to_excel(tmp_path / "before.xlsx", index=False)
    after = pd.DataFrame({"工号": ["WX001", "WX003"], "姓名": ["张伟", "李强"], "部门": ["维修一部", "维修二部"],
                          "上门服务到达及时率": [0.72, 0.80], "其他": [0.92, 0.90]})
    after.to_excel(tmp_path / "after.xlsx", index=False)
    scored = tmp_path / "before_scored.xlsx"
    assert runner.invoke(app, ["score", str(tmp_path / "before.xlsx"), "-s", str(tmp_path / "s.yaml"), "-o",
                               str(scored)]).exit_code == 0
    book = load_workbook(scored)
    plan = book["改进计划"]
    rows = [[c.value for c in row] for row in plan.iter_rows()]
    at = next(i for i, r in enumerate(rows, 1) if r[0] == "维修一部" and r[2] == "上门服务到达及时率")
    plan.cell(at, 10, "刘主管")
    plan.cell(at, 11, datetime.date(2024, 6, 30))
    book.save(scored)
    return scored, tmp_path / "after.xlsx", tmp_path / "s.yaml"


def test_the_issue_check_and_the_plan_closed(tmp_path):
    before, after, scheme = rounds(tmp_path)
    found = api.compare(before, after, scheme, today=datetime.date(2024, 7, 1))
    row = found.indicators[(found.indicators["scope"] == "维修一部")
                           & (found.indicators["indicator"] == "上门服务到达及时率")].iloc[0]
    # 15 × 60% ÷ 85% = 10.59 (10.59 ÷ 15 = 70.6%); 15 × 72% ÷ 85% = 12.71 (84.7%); change 12.71 − 10.59 = +2.12
    assert (row["score_before"], row["score_after"], row["score_change"]) == (10.59, 12.71, 2.12)
    assert (round(row["before"], 3), round(row["after"], 3)) == (0.706, 0.847)
    [plan] = shown(found.improvements, voice("zh")).to_dict("records")
    assert (plan["owner"], plan["status"]) == ("刘主管", "已达标（关闭）")  # 84.7% ≥ 80%
    # people in both: WX001 87.09 → 90.91 (+3.82), 良好 → 优秀; WX002 only before, WX003 only after
    [person] = found.people.to_dict("records")
    assert (person["total_before"], person["total_after"], person["change"]) == (87.09, 90.91, 3.82)
    assert (person["grade_before"], person["grade_after"]) == ("良好", "优秀")
    assert list(found.only_before["id"]) == ["WX002"] and list(found.only_after["id"]) == ["WX003"]
    assert changes(found) == []


def test_open_and_overdue(tmp_path):
    before, after, scheme = rounds(tmp_path)
    worse = pd.read_excel(after, dtype={"工号": str}, engine="calamine")
    worse.loc[0, "上门服务到达及时率"] = 0.65  # 15 × 65% ÷ 85% = 11.47: 76.5% < 80%, still open
    worse.to_excel(after, index=False)
    status = {day: shown(api.compare(before, after, scheme, today=day).improvements, voice("zh"))["status"].iloc[0]
              for day in (datetime.date(2024, 6, 1), datetime.date(2024, 7, 1))}
    assert status == {datetime.date(2024, 6, 1): "未达标（进行中）", datetime.date(2024, 7, 1): "未达标（已逾期）"}


def test_a_changed_scheme_is_said_in_words(tmp_path):
    before, after, scheme = rounds(tmp_path)
    changed = json.loads(json.dumps(SCHEME))
    changed["dimensions"][0]["indicators"][0].update(weight=20, target="90%")
    changed["dimensions"][0]["indicators"][1]["weight"] = 70
    changed["dimensions"][0]["indicators"].append({"name": "首次解决率", "weight": 10, "target": "80%"})
    later = tmp_path / "s2.yaml"
    later.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    frame = pd.read_excel(after, dtype={"工号": str}, engine="calamine").assign(首次解决率=0.8)
    frame.to_excel(after, index=False)
    found = api.compare(before, after, scheme, later)
    assert changes(found) == ["新增指标：首次解决率（权重 10）", "上门服务到达及时率 权重 15 → 20",
                                    "上门服务到达及时率 目标 85% → 90%", "其他 权重 85 → 70"]
    changed["dimensions"][0]["indicators"][1]["rule"] = {"type": "deduct", "per": "1%", "points": 1}
    later.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    assert changes(api.compare(before, after, scheme, later))[-1] == (
        "其他 规则：得分 = 85 × 实际值 ÷ 100% → 目标 100%，每低于目标 1% 扣 1 分")


def test_cli_workbook_and_json(tmp_path):
    before, after, scheme = rounds(tmp_path)
    out = tmp_path / "cmp.xlsx"
    done = runner.invoke(app, ["compare", str(before), str(after), "-s", str(scheme), "-o", str(out)])
    assert done.exit_code == 0, done.output
    book = load_workbook(out)
    assert book.sheetnames == ["指标对比", "团队对比", "人员对比", "改进跟踪", "方案变化"]
    people = list(book["人员对比"].iter_rows(values_only=True))
    assert people[0] == ("工号", "姓名", "部门", "改进前总分", "改进后总分", "变化", "改进前等级", "改进后等级")
    assert people[1] == ("WX001", "张伟", "维修一部", 87.09, 90.91, 3.82, "良好", "优秀")
    assert ("仅在改进前",) + (None,) * 7 in people
    js = runner.invoke(app, ["compare", str(before), str(after), "-s", str(scheme), "-o", "-"])
    doc = json.loads(js.output)
    assert doc["improvements"][0]["deadline"] == "2024-06-30"
    assert doc["people"][0]["change"] == 3.82


def test_rounds_with_their_own_sources(tmp_path):
    examples = Path(__file__).parents[1] / "examples"
    survey = examples / "service-quality-survey.csv"
    out = tmp_path / "cmp.json"
    same = str(examples / "service-quality.xlsx")
    done = runner.invoke(app, ["compare", same, same, "-s", "service-quality", "--source", f"survey={survey}",
                               "-o", str(out)])
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    # the same round twice: nobody changed
    assert {p["change"] for p in doc["people"]} == {0.0} and len(doc["people"]) == 6
