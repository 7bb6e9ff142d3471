"""The measures' SQL is their definition: executed on DuckDB and SQLite over an export as exports are (ids with a
trailing space or in full-width letters, labels with a tab or a full-width space, dates written five ways), it
gives each employee the values kpiscore computes in process, to 1e-9.

Every measure kind meets every `where` form (none, a label, labels, not a label, a number bound, a date bound)
and the period's dates. Spark runs the same where Java and pyspark are installed, ClickHouse where chDB is, each
skipped otherwise; the other dialects' SQL is parsed back in its own dialect.
"""

from __future__ import annotations

import csv
import math
import random
import sqlite3
from pathlib import Path

import pytest
import yaml

from kpiscore import api
from kpiscore.core.sql import MEDIAN, Unsaid, measure_sql

duckdb = pytest.importorskip("duckdb")

IDS = ["WX001", "WX002", "WX003", "WX004", "WX005"]
#: the ways an export writes one id, one label and one day
SPELLED = {"WX001": ["WX001", "WX001 ", "ＷＸ００１", " WX001\t"]}
LABELS = {"满意": ["满意", "满意\t", "满意　", " 满意"], "不满意": ["不满意", "不满意 "], "一般": ["一般", "一般　"]}
DAYS = ["{y}-{m:02d}-{d:02d}", "{y}-{m:02d}-{d:02d} 10:22:00", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日",
        "{y}-{m:02d}-{d:02d}T08:00:00"]
WHERE = {"none": {}, "label": {"评价": "满意"}, "labels": {"评价": ["满意", "一般"]}, "not": {"评价": {"!=": "不满意"}},
         "number": {"时长": {">=": 30, "<": 200}}, "date": {"日期": {">=": "2024-02-15"}}}
AGGS = {"count": [], "share": [], "sum": ["时长"], "mean": ["时长"], "median": ["时长"], "nps": ["推荐"],
        "ratio": ["解决", "时长"]}


def export(path: Path) -> None:
    """Four hundred rows of 2024-01 to 2024-04 (April is outside the quarter), seeded."""
    rng = random.Random(27)
    rows = [["工号", "日期", "时长", "推荐", "解决", "评价"]]
    for _ in range(400):
        person = rng.choice(IDS)
        month, day = rng.randint(1, 4), rng.randint(1, 28)
        rows.append([rng.choice(SPELLED.get(person, [person])),
                     rng.choice(DAYS).format(y=2024, m=month, d=day),
                     str(rng.randint(5, 300)), str(rng.randint(0, 10)), str(rng.randint(0, 3)),
                     rng.choice(rng.choice(list(LABELS.values())))])
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def scheme() -> dict:
    measures = {}
    for agg, of in AGGS.items():
        for form, where in WHERE.items():
            if agg == "share" and not where:
                continue  # a share needs its condition
            measures[f"{agg} {form}"] = {"source": "log", "agg": agg, **({"of": of} if of else {}),
                                         **({"where": where} if where else {})}
    return {"name": "日志", "period": "2024Q1", "missing": "skip", "sources": {"log": {"id": "工号", "date": "日期"}},
            "measures": measures, "dimensions": [{"name": "维度", "indicators": [
                {"name": name, "weight": 100 / len(measures), "rule": "threshold",
                 "target": "0%" if name.split()[0] in ("share", "ratio") else -1000} for name in measures]}]}


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sql")
    export(folder / "log.csv")
    (folder / "s.yaml").write_text(yaml.safe_dump(scheme(), allow_unicode=True), encoding="utf-8")
    loaded = api.load_scheme(folder / "s.yaml")
    feeds = api.read_sources(loaded, {"log": folder / "log.csv"}, "2024Q1")
    return folder, loaded, feeds


def _in_process(feeds, name: str) -> dict[str, float]:
    part = feeds.parts[name]
    return {i: float(v) for i, v in part["value"].items()}


def _same(got: dict[str, float | None], want: dict[str, float]) -> None:
    for person in IDS:
        w, g = want.get(person, math.nan), got.get(person)
        if g is None or (isinstance(g, float) and math.isnan(g)):
            assert math.isnan(w) or w == 0, (person, w, g)  # nothing to count is no row in SQL
        else:
            assert g == pytest.approx(w, abs=1e-9, rel=1e-12), (person, w, g)
    assert set(got) <= set(IDS)  # every spelling of an id is the id


def _period(loaded):
    from kpiscore.core.measures import period_days

    return period_days(loaded.period, None)


def test_duckdb_gives_kpiscores_values(round_):
    folder, loaded, feeds = round_
    con = duckdb.connect()
    con.execute(f"CREATE TABLE log AS SELECT * FROM read_csv('{folder / 'log.csv'}', all_varchar = true, "
                "header = true, strict_mode = false)")
    for name, m in loaded.measures.items():
        sql = measure_sql(m, name, "log", loaded.sources["log"], _period(loaded), "duckdb")
        got = {row[0]: row[1] for row in con.execute(sql.rstrip(";")).fetchall()}
        _same(got, _in_process(feeds, name))


def test_sqlite_gives_kpiscores_values_and_says_what_it_cannot(round_):
    folder, loaded, feeds = round_
    con = sqlite3.connect(":memory:")
    with (folder / "log.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    con.execute("CREATE TABLE log (" + ", ".join(f'"{c}" TEXT' for c in rows[0]) + ")")
    con.executemany(f"INSERT INTO log VALUES ({', '.join('?' * len(rows[0]))})", rows[1:])
    said = 0
    for name, m in loaded.measures.items():
        try:
            sql = measure_sql(m, name, "log", loaded.sources["log"], _period(loaded), "sqlite")
        except Unsaid as exc:
            assert m.agg == "median" and "sqlite" not in MEDIAN and exc.code == "measure_sql_median"
            said += 1
            continue
        got = {row[0]: row[1] for row in con.execute(sql).fetchall()}
        _same(got, _in_process(feeds, name))
    assert said == len(WHERE)


@pytest.mark.parametrize("dialect", ["postgres", "spark", "hive", "clickhouse", "mysql"])
def test_every_dialect_is_written(round_, dialect):
    """Each dialect's SQL parses back in that dialect, and doubles are never decimals."""
    import sqlglot

    _, loaded, _ = round_
    for name, m in loaded.measures.items():
        try:
            sql = measure_sql(m, name, "log", loaded.sources["log"], _period(loaded), dialect)
        except Unsaid:
            assert m.agg == "median" and dialect not in MEDIAN
            continue
        sqlglot.parse_one(sql.rstrip(";"), read=dialect)
        assert "DECIMAL" not in sql.upper() and "DATE '" not in sql.upper()


def test_the_command_writes_a_dialect_and_refuses_an_unknown_one(round_):
    from typer.testing import CliRunner

    from kpiscore.cli import app

    folder, _, _ = round_
    runner = CliRunner()
    out = runner.invoke(app, ["measures", "-s", str(folder / "s.yaml"), "--sql", "--dialect", "sqlite"])
    assert out.exit_code == 0
    assert ("-- median none：sqlite 没有精确的中位数（偶数个时取中间两个的平均），kpiscore 不写近似的查询；"
            "请在 duckdb、postgres 或 spark 中计算这一项") in out.stdout
    bad = runner.invoke(app, ["measures", "-s", str(folder / "s.yaml"), "--sql", "--dialect", "oracle"])
    assert bad.exit_code == 2
    assert "不认识的 SQL 方言 oracle：可选 duckdb, sqlite, postgres, spark, hive, clickhouse, mysql" in bad.output


def test_spark_gives_kpiscores_values_where_it_runs(round_):
    """Spark local, where Java and pyspark are installed (skipped otherwise): the export as a table of
    strings, each measure's Spark SQL, every employee's values as kpiscore's."""
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no Java")
    pyspark = pytest.importorskip("pyspark.sql")
    folder, loaded, feeds = round_
    spark = (pyspark.SparkSession.builder.master("local[1]").appName("kpiscore")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        with (folder / "log.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType()) for c in rows[0]])
        spark.createDataFrame(rows[1:], schema=schema).createOrReplaceTempView("log")
        for name, m in loaded.measures.items():
            sql = measure_sql(m, name, "log", loaded.sources["log"], _period(loaded), "spark")
            got = {r[0]: r[1] for r in spark.sql(sql.rstrip(";")).collect()}
            _same(got, _in_process(feeds, name))
    finally:
        spark.stop()


def test_clickhouse_gives_kpiscores_values_where_chdb_is_installed(round_):
    """ClickHouse in process (chDB, skipped where it is not installed): the export as a table of strings."""
    session = pytest.importorskip("chdb.session")
    folder, loaded, feeds = round_
    db = session.Session()
    columns = ", ".join(f"`{c}` Nullable(String)" for c in ["工号", "日期", "时长", "推荐", "解决", "评价"])
    db.query(f"CREATE TABLE log ({columns}) ENGINE = Memory")
    db.query(f"INSERT INTO log SELECT * FROM file('{folder / 'log.csv'}', 'CSVWithNames', '{columns}')")
    for name, m in loaded.measures.items():
        try:
            sql = measure_sql(m, name, "log", loaded.sources["log"], _period(loaded), "clickhouse")
        except Unsaid:
            assert m.agg == "median"
            continue
        rows = csv.reader(db.query(sql.rstrip(";"), "CSV").bytes().decode().splitlines())
        _same({r[0]: None if r[1] in ("\\N", "") else float(r[1]) for r in rows}, _in_process(feeds, name))
