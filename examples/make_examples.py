"""Regenerate the filled example inputs, one per starter scheme, as HR staff would fill them.

Run from the repository root: `python examples/make_examples.py`. The workbooks carry a title row above the
header, percents both as numbers (0.88, shown 88%) and as typed text ("91.5%"), and one CSV comes as a
GBK export from a call-centre system.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent


def workbook(path: Path, title: str, header: list[str], rows: list[list[object]], percent_cols: set[str]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "考核数据"
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for c, name in enumerate(header, start=1):
        if name in percent_cols:
            for r in range(4, 4 + len(rows)):
                sheet.cell(r, c).number_format = "0.0%"
    book.save(path)


def service_quality() -> None:
    header = ["工号", "姓名", "部门", "客服响应及时率", "上门服务到达及时率", "问题一次性解决率", "技术方案准确率",
              "服务流程合规率", "投诉处理及时率"]
    rows = [
        ["WX001", "张伟", "维修一部", 0.88, 0.75, 0.82, 0.93, 0.96, 0.96],
        ["WX002", "王芳", "维修一部", 0.93, 0.88, 0.85, 0.97, 0.99, 1.0],
        ["WX003", "李强", "维修一部", 0.81, 0.7, 0.72, 0.9, 0.95, 0.9],
        ["WX004", "刘洋", "维修二部", "91.5%", "86%", "80%", "95%", "98%", "95%"],
        ["WX005", "陈静", "维修二部", 0.7, 0.6, 0.65, 0.85, 0.9, 0.8],
        ["WX006", "杨磊", "维修二部", 0.95, 0.9, 0.78, 0.96, 0.97, 0.97],
    ]
    pct = set(header[3:])
    workbook(HERE / "service-quality.xlsx", "售后服务质量评价 2024Q1 考核数据（维修事业部）", header, rows, pct)
    survey()


def survey() -> None:
    """The satisfaction survey's export, one row per 回访 (UTF-8 with a BOM, as Excel saves "CSV UTF-8"):
    satisfied answers over all answers of 2024Q1 give each engineer's 客户满意度(CSAT) — 46/50 = 92%,
    19/20 = 95%, 43/50 = 86%, 9/10 = 90%, 39/50 = 78%, 93/100 = 93% — plus an answer of April (not in the
    quarter) and one for an outsourced engineer who is not assessed here."""
    answers = {"WX001": (46, 50), "WX002": (19, 20), "WX003": (43, 50), "WX004": (9, 10), "WX005": (39, 50),
               "WX006": (93, 100)}
    lines = ["回访编号,工号,回访日期,满意度,备注"]
    number = 0
    for person, (satisfied, total) in answers.items():
        for i in range(total):
            number += 1
            said = ("非常满意", "满意")[i % 2] if i < satisfied else ("一般", "不满意")[i % 2]
            lines.append(f"HF{number:05d},{person},2024-{1 + i % 3:02d}-{1 + i % 28:02d},{said},")
    lines += ["HF09001,WX001,2024-04-02,不满意,四月回访：不计入一季度", "HF09002,WX099,2024-02-15,满意,外包工程师"]
    (HERE / "service-quality-survey.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def service_manager() -> None:
    header = ["工号", "姓名", "部门", "超时响应次数", "售后服务报告准时率", "客户服务投诉(次/季度)",
              "无效售后服务次数比率", "文档PLM使用率", "岗位培训教材内容覆盖率", "培训考试不合格人数",
              "周/月/季报提交准时率", "内部合作满意度", "销售总监评分", "售后服务主管评分", "客户书面表扬",
              "工作失误", "重大服务事故"]
    rows = [
        ["M001", "赵敏", "华东大区", 0, 0.92, 5, 0.015, 0.93, 0.85, 0, 0.915, "较满意", 4, 4.5, 2, None, None],
        ["M002", "周杰", "华南大区", 2, 0.97, 1, 0.008, 0.96, 0.8, 1, 0.97, "很满意", 5, 4, None, 1, None],
        ["M003", "吴刚", "华北大区", 1, 0.85, 3, 0.04, 0.87, 0.75, 0, 0.95, "不满意", 3, 3.5, None, None, None],
        ["M004", "郑爽", "华东大区", 0, 0.99, 0, 0.012, 0.99, 0.9, 0, 1.0, "很满意", 5, 5, 1, None, 1],
    ]
    pct = {"售后服务报告准时率", "无效售后服务次数比率", "文档PLM使用率", "岗位培训教材内容覆盖率",
           "周/月/季报提交准时率"}
    workbook(HERE / "service-manager.xlsx", "售后服务经理岗位KPI考核 2024Q1", header, rows, pct)


def aftersales() -> None:
    header = ["工号", "姓名", "岗位", "绩效奖金基数", "返修任务达成率", "报表准确完整份数", "报表应报份数",
              "返修产品品质合格率", "上级评分", "工作失误(次)"]
    rows = [  # 报表: 99 of 100, 97 of 100, 49 of 50, 40 of 40, 48 of 50 accurate and complete
        ["00101", "孙丽", "经理", 3000, 0.915, 99, 100, 0.995, 4, None],
        ["00102", "马超", "客服专员", 2000, 0.96, 97, 100, 0.99, 4.5, None],
        ["00103", "朱琳", "客服专员", 2000, 0.9, 49, 50, 0.985, 3.5, 1],
        ["00104", "胡军", "维修技师", 2200, 0.97, 40, 40, 1.0, 5, None],
        ["00105", "林涛", "维修技师", 2200, 0.93, 48, 50, 0.97, 3, 2],
    ]
    pct = {"返修任务达成率", "返修产品品质合格率"}
    workbook(HERE / "aftersales.xlsx", "售后服务部月度绩效考核 2024年1月", header, rows, pct)


def express_cs() -> None:
    """A GBK CSV as a call-centre system exports it: percents as text, a blank where no tickets were handled."""
    lines = [
        "工号,姓名,班组,一次性解决率,工单处理及时率,信息准确率,质检员A,质检员B,质检员C,有责投诉(次),"
        "客户满意度评分(CSAT),团队协作性,客户表扬次数",
        "KF1001,何雪,早班,88%,97%,99%,92,88,95,0,93%,优,3",
        "KF1002,高峰,早班,80%,,97.5%,85,90,80,1,88%,良,",
        "KF1003,罗娟,晚班,86%,93%,96%,78,82,80,0,90%,良,1",
        "KF1004,梁宇,晚班,75%,,98%,70,75,72,2,82%,中,",
    ]
    (HERE / "express-cs.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    chats()


def chats() -> None:
    """The chat system's export of March 2024 (GBK, one row per 会话): each agent's mean 首次响应秒 is their
    首次响应时长 — (12 + 18 + 24) / 3 = 18, (20 + 25 + 30) / 3 = 25, (15 + 20 + 25 + 20) / 4 = 20,
    (30 + 34 + 32) / 3 = 32 — plus a chat of February, outside the month."""
    chats = {"KF1001": [12, 18, 24], "KF1002": [20, 25, 30], "KF1003": [15, 20, 25, 20], "KF1004": [30, 34, 32]}
    lines = ["会话编号,客服工号,会话开始时间,渠道,首次响应秒,会话时长秒"]
    number = 0
    for agent, seconds in chats.items():
        for i, first in enumerate(seconds):
            number += 1
            lines.append(f"HH{number:04d},{agent},2024-03-{3 + 7 * i:02d} {9 + i}:{15 + number:02d}:00,"
                         f"{('在线', '电话')[i % 2]},{first},{120 + 30 * i}")
    lines.append("HH0099,KF1001,2024-02-28 17:40:00,在线,300,600")
    (HERE / "express-cs-chats.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))



def batch() -> None:
    """Four quarters of an after-sales department: specialists on `aftersales`, managers on
    `service-manager`, chosen per row by 岗位; 陈晨 joins in Q2; Q4 comes as one file per team."""
    folder = HERE / "batch" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    header = ["工号", "姓名", "部门", "岗位", "绩效奖金基数",
              "返修任务达成率", "报表准确完整份数", "报表应报份数", "返修产品品质合格率", "上级评分", "工作失误(次)",
              "超时响应次数", "售后服务报告准时率", "客户服务投诉(次/季度)", "无效售后服务次数比率", "文档PLM使用率",
              "岗位培训教材内容覆盖率", "培训考试不合格人数", "周/月/季报提交准时率", "内部合作满意度", "销售总监评分",
              "售后服务主管评分", "客户书面表扬", "工作失误", "重大服务事故"]
    blank_manager = [None] * 14
    blank_specialist = [None] * 6

    def specialist(sid, name, team, base, q):
        repair, report, quality, rating, mistakes = q  # report: the share of 100 reports accurate and complete
        accurate = round(report * 100)
        return [sid, name, team, "客服专员", base, repair, accurate, 100, quality, rating, mistakes, *blank_manager]

    def manager(mid, name, team, base, q):
        late, on_time, complaints, invalid, plm, cover, failed, reports, coop, boss, staff, praise = q
        return [mid, name, team, "售后经理", base, *blank_specialist, late, on_time, complaints, invalid, plm, cover,
                failed, reports, coop, boss, staff, praise, None, None]

    quarters = {
        "2024Q1": [
            specialist("00101", "孙丽", "一组", 2000, (0.96, 0.99, 0.995, 4.5, None)),
            specialist("00102", "马超", "一组", 2000, (0.915, 0.97, 0.99, 4, 1)),
            specialist("00103", "朱琳", "二组", 2000, (0.93, 0.98, 0.985, 3.5, None)),
            specialist("00104", "胡军", "二组", 2200, (0.88, 0.95, 0.97, 3, 2)),
            manager("00201", "赵敏", "一组", 5000, (0, 0.97, 2, 0.008, 0.96, 0.85, 0, 0.97, "很满意", 5, 4.5, 1)),
            manager("00202", "周杰", "二组", 5000, (1, 0.92, 5, 0.015, 0.93, 0.8, 0, 0.915, "较满意", 4, 4, None)),
        ],
        "2024Q2": [
            specialist("00101", "孙丽", "一组", 2000, (0.97, 1.0, 1.0, 5, None)),
            specialist("00102", "马超", "一组", 2000, (0.93, 0.98, 0.99, 4, None)),
            specialist("00103", "朱琳", "二组", 2000, (0.95, 0.99, 0.99, 4, None)),
            specialist("00104", "胡军", "二组", 2200, (0.9, 0.96, 0.98, 3.5, 1)),
            specialist("00105", "陈晨", "二组", 1800, (0.92, 0.97, 0.98, 4, None)),
            manager("00201", "赵敏", "一组", 5000, (0, 0.99, 1, 0.006, 0.97, 0.9, 0, 1.0, "很满意", 5, 5, 2)),
            manager("00202", "周杰", "二组", 5000, (0, 0.95, 3, 0.01, 0.95, 0.85, 1, 0.95, "较满意", 4.5, 4, None)),
        ],
        "2024Q3": [
            specialist("00101", "孙丽", "一组", 2000, (0.95, 0.99, 0.99, 4.5, None)),
            specialist("00102", "马超", "一组", 2000, (0.9, 0.96, 0.98, 3.5, 1)),
            specialist("00103", "朱琳", "二组", 2000, (0.96, 1.0, 0.995, 4.5, None)),
            specialist("00104", "胡军", "二组", 2200, (0.92, 0.97, 0.99, 4, None)),
            specialist("00105", "陈晨", "二组", 1800, (0.94, 0.98, 0.99, 4, None)),
            manager("00201", "赵敏", "一组", 5000, (1, 0.96, 2, 0.012, 0.95, 0.88, 0, 0.96, "较满意", 4.5, 4.5, None)),
            manager("00202", "周杰", "二组", 5000, (0, 0.97, 2, 0.009, 0.96, 0.9, 0, 0.97, "很满意", 5, 4.5, 1)),
        ],
    }
    q4 = {
        "一组": [
            specialist("00101", "孙丽", "一组", 2000, (0.98, 1.0, 1.0, 5, None)),
            specialist("00102", "马超", "一组", 2000, (0.94, 0.98, 0.99, 4, None)),
            manager("00201", "赵敏", "一组", 5000, (0, 0.98, 1, 0.007, 0.97, 0.92, 0, 0.98, "很满意", 5, 5, 2)),
        ],
        "二组": [
            specialist("00103", "朱琳", "二组", 2000, (0.95, 0.99, 0.99, 4.5, None)),
            specialist("00104", "胡军", "二组", 2200, (0.93, 0.97, 0.98, 4, 1)),
            specialist("00105", "陈晨", "二组", 1800, (0.96, 0.99, 0.995, 4.5, None)),
            manager("00202", "周杰", "二组", 5000, (1, 0.95, 4, 0.02, 0.94, 0.85, 0, 0.95, "较满意", 4, 4, None)),
        ],
    }
    for period, rows in quarters.items():
        workbook(folder / f"{period}.xlsx", f"售后服务部 {period} 考核数据", header, rows, set())
    for team, rows in q4.items():
        workbook(folder / f"2024Q4_{team}.xlsx", f"售后服务部 2024Q4 考核数据（{team}）", header, rows, set())


def kpi_table() -> None:
    """The 岗位KPI考核指标及评分标准表 of an after-sales service manager as the department keeps it (see
    templates/TABLES.md): a title merged across, each dimension merged down its rows with its points, full-width
    digits where someone typed them, and the rules in the table's own words. `kpiscore import` reads it."""
    book = Workbook()
    sheet = book.active
    sheet.title = "岗位KPI"
    sheet.append(["售后服务经理岗位KPI考核指标及评分标准表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["考核维度", "指标名称", "权重", "目标值", "评分标准", "数据来源"])
    rows = [
        ["工作绩效（70分）", "服务响应速度", 20, "1个工作日", "1个工作日内响应得满分，每超时响应1次扣1分", "售后系统"],
        [None, "售后服务报告准时率", 15, "≥95%",
         "95%及以上得15分；90%-95%得12-15分；80%-90%得8-12分；60%-80%得0-8分；60%以下不得分", "售后系统"],
        [None, "客户服务投诉", 15, "≤3次/季度", "投诉每季度3次以上每次扣1分", "客服中心"],
        [None, "无效售后服务次数比率", 10, "≤1%",
         "≤1%得10分；1%-2%得8-10分；2%-5%得5-7分；5%-10%得2-4分；10%以上不得分", "售后系统"],
        [None, "文档PLM使用率", 10, "≥95%",
         "95%及以上得10分；90%-95%得8-10分；85%-90%得5-7分；80%-85%得2-4分；80%以下不得分",
         "PLM系统"],
        ["工作能力（15分）", "岗位培训教材内容覆盖率", 5, "≥80%", "达到80%得满分，低于80%不得分", "人力资源部"],
        [None, "新转正员工岗位培训合格率", 5, "100%", "每有1人考试不合格扣５分", "人力资源部"],
        [None, "周/月/季报提交准时率", 5, "95%", "每低于目标1个百分点扣1分，扣完为止", "销售总监"],
        ["工作态度（15分）", "内部合作满意度", 8, "≥90%", "很满意得3分，较满意得2分，不满意得1分，很不满意得0分",
         "直接上级"],
        [None, "上级安排临时任务完成情况", 7, None, "由销售总监按1-5分评分", "销售总监"],
        ["加减分项", "客户书面表扬", "/", None, "客户书面表扬每次加1分，最多加5分", "客服中心"],
        [None, "重大服务事故", "/", None, "发生重大服务事故的，直接取消考核资格", "客服中心"],
    ]
    for row in rows:
        sheet.append(row)
    for first, last in ((3, 7), (8, 10), (11, 12), (13, 14)):
        sheet.merge_cells(f"A{first}:A{last}")
    for column, width in zip("ABCDEF", (16, 24, 8, 12, 60, 12), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(HERE / "service-manager-kpi.xlsx")


if __name__ == "__main__":
    kpi_table()
    service_quality()
    service_manager()
    aftersales()
    express_cs()
    batch()
