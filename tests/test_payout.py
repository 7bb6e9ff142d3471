"""Payout (issue 14, part 1): a bonus base from work volume, a pool shared to the cent, pro-rating, the 奖金
sheet, and every amount in words."""

import json

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import InputError, SchemeError, load_scheme, score
from kpiscore.batch import run_batch
from kpiscore.cli import app
from kpiscore.core.payout import Payout, pay
from kpiscore.words.result import Words

GRADES = [{"grade": "优秀", "min": 90, "coefficient": 1.2}, {"grade": "良好", "min": 80, "coefficient": 1.0},
          {"grade": "达标", "min": 70, "coefficient": 1.0}, {"grade": "待改进", "min": 0, "coefficient": 0.8}]


def scheme(payout, **extra):
    return load_scheme({"name": "锁具售后", "columns": {"group": "部门"}, "grades": GRADES, "payout": payout,
                        "participation": {"column": "状态", "exclude": ["试用期"]},
                        "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 100, "target": 100}]}],
                        **extra})


def people(totals, **columns):
    """People E1, E2 … whose total is their A (weight 100, target 100); the fifth of five is on probation."""
    n = len(totals)
    return pd.DataFrame({"工号": [f"E{i + 1}" for i in range(n)], "姓名": [f"员工{i + 1}" for i in range(n)],
                         "部门": "一组", "状态": [""] * min(n, 4) + ["试用期"] * (n - 4), "A": totals, **columns})


def write_teams(tmp_path, rows, header=("部门", "安装把数", "维修把数")):
    path = tmp_path / "teams.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="gbk")
    return {"teams": path}


DAYS = {"column": "出勤天数", "of": "应出勤天数"}
UNITS = {"mode": "units", "units": {"source": "teams", "prices": {"安装把数": 30, "维修把数": 20}}}


def test_units_base_is_volume_times_price_over_the_assessed_headcount(tmp_path):
    s = scheme(UNITS, sources={"teams": {"group": "部门"}})
    r = score(people([95, 85, 75, 60, 99]), s, sources=write_teams(tmp_path, [["一组", 120, 80]]))
    # 120 × 30 + 80 × 20 = 3600 + 1600 = 5200; 4 assessed (E5 on probation is not) → base 5200 ÷ 4 = 1300
    # grades 优秀/良好/达标/待改进 → coefficients 1.2/1.0/1.0/0.8 → 1560/1300/1300/1040
    assert list(r.summary["payout"]) == [1560.00, 1300.00, 1300.00, 1040.00]
    assert Words(r).payout().iloc[0] == "(120 × 30 + 80 × 20) ÷ 4 = 1300.00 → 1300.00 × 1.2 = 1560.00"
    team = r.paid.teams.iloc[0]
    assert (team["headcount"], team["amount"], team["base"], team["paid"]) == (4, 5200, 1300, 5200)


def test_units_from_the_inputs_own_columns_must_agree_within_a_team():
    s = scheme({"mode": "units", "units": {"prices": {"安装把数": 30, "维修把数": 20}}})
    r = score(people([95, 85, 75, 60], 安装把数=[120] * 4, 维修把数=[80] * 4), s)
    assert list(r.summary["payout"]) == [1560.00, 1300.00, 1300.00, 1040.00]
    with pytest.raises(InputError) as exc:
        score(people([95, 85, 75, 60], 安装把数=[120, 120, 210, 120], 维修把数=[80] * 4), s)
    # the DataFrame's header is row 1, so E3 is row 4; 安装把数 is its 6th column (F)
    [f] = exc.value.findings
    assert (f.code, f.cell) == ("team_value_differs", "F4")
    assert f.message == "安装把数 是整组的数值，同组应相同：这里是 210，同组第 2 行是 120"


def test_a_pool_is_shared_by_coefficient_to_the_cent():
    s = scheme({"mode": "pool", "pool": 5200})
    r = score(people([95, 92, 85, 60]), s)
    # Σc = 1.2 + 1.2 + 1.0 + 0.8 = 4.2; 5200 × 1.2 ÷ 4.2 = 1485.714…, × 1.0 ÷ 4.2 = 1238.095…, × 0.8 ÷ 4.2
    # = 990.476…; floored to cents 1485.71 + 1485.71 + 1238.09 + 990.47 = 5199.98: the 2 cents left go to
    # the largest remainders, .619 (990.47|6) and .524 (1238.09|5) → 1485.71/1485.71/1238.10/990.48
    assert list(r.summary["payout"]) == [1485.71, 1485.71, 1238.10, 990.48]
    assert round(r.summary["payout"].sum(), 2) == 5200.00
    words = Words(r).payout()
    assert words.iloc[0] == "5200.00 × 1.2 ÷ 4.2 = 1485.7143 → 1485.71"
    assert words.iloc[2] == "5200.00 × 1.0 ÷ 4.2 = 1238.0952 → 1238.10（分得尾差 0.01）"
    team = r.paid.teams.iloc[0]
    assert team["remainder"] == 0.02 and list(team["takers"]) == [4, 5]  # the rows of E3 and E4


def test_a_pool_takes_a_weight_column():
    s = scheme({"mode": "pool", "pool": 1000, "weight": "基本工资"})
    r = score(people([95, 85], 基本工资=[6000, 3000]), s)
    # c·w = 1.2 × 6000 = 7200 and 1.0 × 3000 = 3000, Σ 10200: 1000 × 7200 ÷ 10200 = 705.882… → 705.88,
    # 1000 × 3000 ÷ 10200 = 294.117… → 294.11; 1 cent left to the larger remainder (.647 of 294.11|7)
    assert list(r.summary["payout"]) == [705.88, 294.12]
    assert Words(r).payout().iloc[0] == "1000.00 × 1.2 × 6000 ÷ 10200 = 705.8824 → 705.88"


def test_a_joiner_is_prorated_by_days():
    s = scheme({"mode": "base", "base": "绩效奖金基数", "prorate": {"column": "出勤天数", "of": "应出勤天数"}})
    r = score(people([85, 75], 绩效奖金基数=[1300, 1300], 出勤天数=[30, 20], 应出勤天数=[30, 30]), s)
    # 1300 × 1.0 × 20/30 = 866.666… → 866.67; a full month is not said (30/30)
    assert list(r.summary["payout"]) == [1300.00, 866.67]
    assert list(Words(r).payout()) == ["1300.00 × 1.0 = 1300.00", "1300.00 × 1.0 × 20/30 = 866.67"]


def test_prorating_a_pool_lowers_the_share_and_the_pool_still_adds_up():
    s = scheme({"mode": "pool", "pool": 300, "prorate": {"column": "出勤天数", "of": "应出勤天数"}})
    r = score(people([85, 85], 出勤天数=[30, 15], 应出勤天数=[30, 30]), s)
    # shares 1.0 × 1 and 1.0 × 0.5, Σ 1.5: 300 × 1 ÷ 1.5 = 200, 300 × 0.5 ÷ 1.5 = 100
    assert list(r.summary["payout"]) == [200.00, 100.00]


def test_pools_per_team_from_a_teams_source(tmp_path):
    s = scheme({"mode": "pool", "pool": {"source": "teams", "column": "奖金池"}}, sources={"teams": {"group": "部门"}})
    frame = people([95, 85, 85, 60])
    frame["部门"] = ["一组", "一组", "二组", "二组"]
    r = score(frame, s, sources=write_teams(tmp_path, [["一组", 2200], ["二组", 900]], ("部门", "奖金池")))
    # 一组: 2200 × 1.2 ÷ 2.2 = 1200, 2200 × 1.0 ÷ 2.2 = 1000; 二组: 900 × 1.0 ÷ 1.8 = 500, 900 × 0.8 ÷ 1.8 = 400
    assert list(r.summary["payout"]) == [1200.00, 1000.00, 500.00, 400.00]
    assert list(r.paid.teams["paid"]) == [2200.00, 900.00]


def test_a_team_missing_from_the_teams_source_is_an_error_at_its_group_cell(tmp_path):
    s = scheme(UNITS, sources={"teams": {"group": "部门"}})
    frame = people([95, 85, 85, 60])
    frame["部门"] = ["一组", "一组", "二组", "二组"]
    with pytest.raises(InputError) as exc:
        score(frame, s, sources=write_teams(tmp_path, [["一组", 120, 80]]))
    [f] = exc.value.findings
    assert (f.code, f.cell) == ("team_not_in_source", "C4")  # 部门 of E3, the first of 二组
    assert f.message == "'二组' 在来源 'teams' 中没有对应的行：请在 teams.csv 中补上该组的数据"


def test_bad_team_figures_are_errors_at_their_cells(tmp_path):
    s = scheme(UNITS, sources={"teams": {"group": "部门"}})
    with pytest.raises(InputError) as exc:
        score(people([95, 85]), s, sources=write_teams(tmp_path, [["一组", "一百二", ""]]))
    assert [(f.code, f.file, f.cell) for f in exc.value.findings] == [
        ("not_number", "teams.csv", "B2"), ("payout_blank", "teams.csv", "C2")]


def test_bad_payout_cells_are_located():
    s = scheme({"mode": "pool", "pool": 100, "weight": "基本工资", "prorate": DAYS})
    with pytest.raises(InputError) as exc:
        score(people([95, 85, 80], 基本工资=[None, -5, 100], 出勤天数=[30, 31, 10], 应出勤天数=[30, 30, 0]), s)
    said = [(f.code, f.cell) for f in exc.value.findings]
    # 基本工资 is F, 出勤天数 G, 应出勤天数 H; rows 2-4
    assert said == [("payout_blank", "F2"), ("payout_negative", "F3"), ("prorate_over", "G3"),
                    ("prorate_zero", "H4")]
    over = next(f for f in exc.value.findings if f.code == "prorate_over")
    assert over.message == "出勤天数 31 大于 应出勤天数 30：按比例发放不能超过 100%"


@pytest.mark.parametrize(("payout", "code", "field"), [
    ({"mode": "pool"}, "payout_needs", "payout.mode"),
    ({"mode": "base", "base": "基数", "pool": 100}, "payout_unused", "payout.pool"),
    ({"mode": "units", "units": {"prices": {"x": 1}}, "weight": "w"}, "payout_unused", "payout.weight"),
    ({"mode": "pool", "pool": {"source": "goals", "column": "池"}}, "source_not_by_group", "payout.pool.source"),
    ({"mode": "pool", "pool": {"source": "nope", "column": "池"}}, "source_unknown", "payout.pool.source"),
])
def test_scheme_problems_are_at_their_keys(payout, code, field):
    with pytest.raises(SchemeError) as exc:
        scheme(payout, sources={"goals": {"id": "工号"}})
    assert [(f.code, f.field) for f in exc.value.findings] == [(code, field)]


def test_a_payout_needs_coefficients():
    with pytest.raises(SchemeError) as exc:
        load_scheme({"name": "t", "payout": {"mode": "pool", "pool": 100},
                     "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 100, "target": 100}]}]})
    assert [f.code for f in exc.value.findings] == ["payout_no_coefficient"]


def test_a_pool_nobody_can_take_is_said():
    grades = [{"grade": "优秀", "min": 90, "coefficient": 1}, {"grade": "差", "min": 0, "coefficient": 0}]
    r = score(people([50, 40]), scheme({"mode": "pool", "pool": 100}, grades=grades))
    assert list(r.summary["payout"]) == [0, 0]
    said = "[全部] 奖金池 100.00 未发放：该组所有人的绩效系数（× 权重）都为 0"
    assert any(w.code == "pool_unpaid" and w.message == said for w in r.warnings)


@settings(max_examples=120, deadline=None)
@given(pool=st.integers(0, 10_000_000), coefficients=st.lists(st.sampled_from([0.0, 0.5, 0.8, 1.0, 1.2, 1.5]),
                                                              min_size=1, max_size=30),
       weights=st.lists(st.integers(1, 50_000), min_size=30, max_size=30))
def test_pool_payouts_add_up_to_the_pool_to_the_cent(pool, coefficients, weights):
    n = len(coefficients)
    c = pd.Series(coefficients)
    inputs = pd.DataFrame({"w": weights[:n]}, dtype=float)
    paid = pay(Payout(mode="pool", pool=pool / 100, weight="w"), c, inputs, None, None)
    cents = (paid.payout * 100).round().astype(int)
    if (c > 0).any():
        assert cents.sum() == pool  # every cent of the pool, no more
    else:
        assert cents.sum() == 0
    exact = pool * c * inputs["w"] / (c * inputs["w"]).sum() if (c > 0).any() else c * 0
    assert ((cents - exact).abs() < 1).all()  # each within a cent of its exact share
    assert (cents >= 0).all()


def test_workbook_json_and_explain_show_the_payout(tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_text(json.dumps({"name": "锁具售后", "columns": {"group": "部门"}, "grades": GRADES,
                                "payout": {"mode": "pool", "pool": 5200},
                                "dimensions": [{"name": "D", "indicators": [
                                    {"name": "A", "weight": 100, "target": 100}]}]}, ensure_ascii=False),
                    encoding="utf-8")
    data = tmp_path / "in.csv"
    people([95, 92, 85, 60]).drop(columns="状态").to_csv(data, index=False, encoding="gbk")
    out = tmp_path / "out.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["score", str(data), "--scheme", str(path), "-o", str(out)]).exit_code == 0
    book = load_workbook(out)
    sheet = book["奖金"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["部门", "人数", "奖金池/总额", "人均基数", "发放合计", "尾差", "尾差分给", "计算方法"]
    assert rows[1][:7] == ["全部", 4, 5200, "—", 5200, 0.02, "员工3、员工4"]
    assert rows[1][7] == "绩效奖金 = 奖金池 × 绩效系数 ÷ 同组 Σ(绩效系数)，按分取整，尾差按最大余数法分配"
    audit = book["计算明细"]
    heading = [c.value for c in audit[1]]
    calc = audit.cell(4, heading.index("奖金计算") + 1).value
    assert calc == "5200.00 × 1.0 ÷ 4.2 = 1238.0952 → 1238.10（分得尾差 0.01）"
    shown = runner.invoke(app, ["explain", str(data), "--scheme", str(path), "--id", "E4"])
    assert "绩效奖金：5200.00 × 0.8 ÷ 4.2 = 990.4762 → 990.48（分得尾差 0.01）" in shown.output
    js = runner.invoke(app, ["score", str(data), "--scheme", str(path), "--format", "json", "-o", "-"])
    doc = json.loads(js.output)
    assert [e["payout"] for e in doc["employees"]] == [1485.71, 1485.71, 1238.10, 990.48]
    assert doc["payout"] == {"mode": "pool", "teams": [{"team": None, "headcount": 4, "amount": 5200.0,
                                                         "base": None, "paid": 5200.0, "remainder": 0.02,
                                                         "takers": ["E3", "E4"]}]}


def test_the_template_has_the_payout_columns_with_notes(tmp_path):
    s = scheme({"mode": "pool", "pool": 100, "weight": "基本工资", "prorate": DAYS})
    out = tmp_path / "template.xlsx"
    result = CliRunner().invoke(app, ["template", "--scheme", str(_saved(s, tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["考核数据"]
    header = [c.value for c in ws[3]]
    assert header[-3:] == ["基本工资", "出勤天数", "应出勤天数"]
    assert ws.cell(3, len(header) - 1).comment.text.startswith("实际出勤天数：奖金按 出勤天数 ÷ 应出勤天数 折算")


def _saved(s, tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_text(json.dumps(s.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False),
                    encoding="utf-8")
    return path


def test_a_plan_gives_each_period_its_teams_and_ratings(tmp_path):
    rating = {"type": "rating", "source": "panel", "rater": "评分人", "role": "角色", "score": "分数",
              "roles": {"上级": 60, "下级": 40}, "scale": 5}
    s = {"name": "售后", "columns": {"group": "部门"}, "grades": GRADES, "payout": UNITS,
         "sources": {"teams": {"group": "部门"}, "panel": {"id": "被评人"}},
         "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 93, "target": 100},
                                                     {"name": "协作", "weight": 7, "rule": rating}]}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(s, allow_unicode=True), encoding="utf-8")
    periods = []
    for period, installs, score_ in (("Q1", 120, 5), ("Q2", 60, 4)):
        people([100, 100]).drop(columns="状态").to_csv(tmp_path / f"{period}.csv", index=False)
        (tmp_path / f"{period}-teams.csv").write_text(f"部门,安装把数,维修把数\n一组,{installs},80\n", encoding="utf-8")
        (tmp_path / f"{period}-panel.csv").write_text(
            f"被评人,评分人,角色,分数\nE1,王总,上级,{score_}\nE2,王总,上级,{score_}\n", encoding="utf-8")
        periods.append({"period": period, "input": f"{period}.csv",
                        "sources": {"teams": f"{period}-teams.csv", "panel": f"{period}-panel.csv"}})
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "年度", "scheme": "s.yaml", "output": "out", "periods": periods},
                                   allow_unicode=True), encoding="utf-8")
    report = run_batch(plan)
    assert report.ok
    q1, q2 = (next(iter(o.results.values())) for o in report.outcomes)
    # Q1: 93 + 7 × 5 ÷ 5 = 100 → 优秀 1.2; base (120 × 30 + 80 × 20) ÷ 2 = 2600 → 3120
    assert list(q1.summary["payout"]) == [3120.0, 3120.0]
    # Q2: 93 + 7 × 4 ÷ 5 = 98.60 → 优秀 1.2; base (60 × 30 + 80 × 20) ÷ 2 = 1700 → 2040
    assert list(q2.summary["total"]) == [98.6, 98.6] and list(q2.summary["payout"]) == [2040.0, 2040.0]


def test_a_pool_written_wrong_is_one_error_at_its_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\ngrades: [{grade: A, min: 0, coefficient: 1}]\npayout: {mode: pool, pool: 五千}\n"
                    "dimensions:\n  - name: D\n    indicators: [{name: X, weight: 100, target: 100}]\n",
                    encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        load_scheme(path)
    assert [(f.line, f.field, f.message) for f in exc.value.findings] == [(3, "payout.pool", "应为数字，实际为 '五千'")]
