"""The grammar of scoring phrases: a KPI table's 评分标准 cell read into the statements it makes.

A cell is folded (`wording`), cut into clauses (numbered items, lines, `；` and `。`), and each clause read
left to right as a run of statements, each matched whole by one pattern anchored where the last ended: a
deduction per step (每低1%扣2分), a deduction per occurrence (每次扣2分, 一次未佩戴扣2分, `(-5)`), a band
(90%以上得20分, 85%-94%:得8分), a label's points (优秀得满分, 1级5分), a cap or a floor (最高扣5分, 最低0分), a
cliff (低于60分不得分), a veto (取消考核资格), a formula (实际/目标*100). A clause where no pattern matches is
not understood, and said so: nothing in a cell is skipped unless it is plain description holding no scoring
word. Which rule the statements make is `reading`'s work.

Every pattern is anchored, without nested quantifiers, on a cell of at most `MAX_TEXT` characters: the time to
read one is bounded by its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .values import parse_number
from .wording import MAX_TEXT, fold_text

N = r"\d+(?:\.\d+)?(?![\d.])"
#: the units a step, a threshold or a count is written in
UNIT = r"(?:%|分钟|小时|秒|个工作日|工作日|天|日|户次|人次|个|次|户|项|件|单|元|人|课时|起|例|条|分)"
#: a word that makes a clause a scoring one: a clause holding one is read, never passed over as description
SCORING = re.compile(r"扣|(?<!参)加(?!强|班|工|入)|减|得|\d分(?!钟)|满分|否决|取消|按比例|比例扣|比例计|线性"
                     r"|为0|计0|不计|奖|罚|公式|[*×÷/]|\d%")


@dataclass(frozen=True)
class Statement:
    """One statement of a clause: its kind, what it says, and its text as folded."""

    kind: str
    said: dict[str, str]
    text: str


@dataclass
class Read:
    """A cell read: its statements in order, the clauses not understood, and remarks taken out (a worked
    example in 【】, parenthetical notes) that the importer shows beside the rule."""

    statements: list[Statement] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    too_long: bool = False


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: a step of the actual past the target or a reference, and its points: 每低1%扣2分, 每超过20秒得分减少1分,
#: 每提前1分钟响应得1分, 超出时间按每分钟扣1分计算
_STEP = _p(rf"(?P<subject>[^,;\d每扣加减得]{{0,12}}?)每"
           rf"(?P<side>低于|低|少于|少|降低|下降|减少|不足|超过|超出|超|高于|高|多于|多|增加|提前|延迟|延误|滞后|节约)(?:于)?(?:目标值?|平均水平|平均值|计划值?|标准值?)?(?P<per>{N})?"
           rf"(?P<unit>%|分钟|小时|秒|个工作日|工作日|天|个|次|户|项|件|单|元|人|分)(?:响应|完成)?,?"
           rf"(?P<noun>[^,;\d]{{0,20}}?)(?P<verb>扣|减少|减|加|增加|得|多得|少得)(?P<pts>{N})(?P<pct>%)?分?"
           rf"(?:计算)?")
#: time past a limit, per unit of it: 超出时间按每分钟扣1分计算
_OVERTIME = _p(rf"(?P<side>超出|超过|超时)(?:时间|部分)?,?按?每(?P<unit>分钟|小时|天|秒)(?P<verb>扣)(?P<pts>{N})分"
               rf"(?:计算)?")
#: occurrences and their points: 每次扣2分, 1次未佩戴扣2分, 发生1例,则扣10分, 投诉1条扣5分, 每出现1次负面情绪扣5分
_EVENT = _p(rf"(?P<desc>[^;]*?)(?:每|任)?(?:发生|出现|违反|发现|有)?(?P<lead>(?<=每)[^,;\d每]{{1,10}}?)?"
            rf"(?:每|任)?(?:1)?"
            rf"(?P<unit>次|例|起|条|件|单|项|户次|人次|人)(?P<noun>[^,;\d]{{0,16}}?),?(?:则|即|的)?(?:扣|减)(?P<pts>{N})分")
#: occurrences beyond an allowed number, and the points for each: 投诉每季度3次以上每次扣1分, 超过2次的每次扣1分
_ALLOW = _p(rf"(?P<desc>[^;\d]*?)(?:每月|每季度|每年|全年|当月|本月|每周)?(?:超过|超出|多于)?(?P<n>\d+)"
            rf"(?P<unit>次|例|起|条|件|单|项)(?:以上|以后|之后)?(?:的)?,?"
            rf"(?:每次|每超1次|超出部分每次|每多1次|每增加1次|超出的每次)(?:扣|减)(?P<pts>{N})分")
#: an allowance said, then the points for each beyond it: 每月迟到不超过2次，超过部分每次扣1分
_BEYOND = _p(rf"(?P<desc>[^;\d]*?)(?:每月|每季度|每年|全年|当月|本月|每周)?(?:不超过|不得超过|最多|允许)(?P<n>\d+)"
             rf"(?P<unit>次|例|起|条|件|单|项),?(?:超过部分|超出部分|超过的|超出的|超出|超过)(?:的)?(?:每次|每1次)?"
             rf"(?:扣|减)(?P<pts>{N})分")
#: a count short of a minimum, and the points per one short: 不少于每月15户次的主动与业主沟通,少1次扣2分
_SHORT = _p(rf"(?P<desc>[^;]*?)(?:不少于|不低于|至少)(?:每月|每周|每季度)?(?P<n>{N})"
            rf"(?P<unit>户次|人次|户|次|个|人|项|份)(?P<noun>[^;]*?),?少(?:1)?(?:次|户|个|项|份|人)?扣(?P<pts>{N})分")
#: a quantity of an incident's own and its points once (请假2天(含)以上扣10分), or per event in a tier
#: (损失500元以下扣5分)
_AMOUNT = _p(rf"(?P<desc>[^;]*?)(?P<n>{N})(?P<unit>天|小时|次|个|元|万元|分钟)含?(?P<op>以上|及以上|以下|及以下|以内)"
             rf"(?:的)?,?(?:扣|减)(?P<pts>{N})分")
#: one occurrence takes the whole item: 出现1次重大客诉本项不得分, 发生1起安全事故本项得0分
_FORFEIT = _p(r"(?P<desc>[^;\d]*?)(?:每|凡)?(?:出现|发生|有)?1?(?P<unit>次|起|例|件|单)(?P<noun>[^,;\d]{0,12}?),?"
              r"(?:则|即)?(?:(?:本项|该项|此项|本指标)(?:不得分|得0分|为0分|计0分)|(?:本项)?(?:全扣|扣完|分数全扣))")
#: points added per occurrence, an item outside the weights: 客户表扬每次加1分, 获书面表扬1次加2分
_GAIN = _p(rf"(?P<desc>[^;\d]*?)(?:每|获|获得)(?P<lead>[^,;\d每加]{{0,6}}?)(?:1)?(?P<unit>次|条|项|件|个|例|封)"
           rf"(?P<noun>[^,;\d]{{0,12}}?),?"
           rf"加(?P<pts>{N})分")
#: a score the assessor gives on a scale: 由上级按1-5分评分, 考评小组按百分制打分
_RATE = _p(rf"(?:由)?(?P<who>[^,;\d]{{1,12}}?)(?:按|以)(?:(?P<lo>{N})-(?P<hi>{N})分|(?P<hundred>百分制|100分制))(?:制)?"
           rf"(?:进行)?(?:评分|打分|评价|评定)")
#: an incident and its points, with no counter written: 造成有效业主投诉,扣10分
_BARE = _p(rf"(?P<desc>[^;]*?[^,;\d]),?(?:则|即)?扣(?P<pts>{N})分")
#: a line's own points, the way a quality-check form writes them: 未恰当、正确称呼客户(-5)
_MARK = _p(rf"(?P<desc>[^;]+?)\((?P<sign>[-+])(?P<pts>{N})\)")
#: the bounds of the score: 最高扣5分, 最多加5分, 最低扣至-10分, 最低0分, 扣完为止, 最高扣至该维度0分
_CAP = _p(rf"(?P<which>最高|最多|最低|至多|上限|下限)(?P<verb>扣至|扣|加|得分为|得分|得|为|不超过)?(?P<dim>该维度)?"
          rf"(?P<n>-?{N})?分?(?P<full>满分)?|(?P<gone>扣完为止|以扣完为止|扣完即止)"
          rf"|(?:本项)?(?P<scale>满分|总分)(?:为)?(?P<of>{N})分")
#: a score below which nothing is given: 低于60分,不得分
_CLIFF = _p(rf"(?:得分)?低于(?P<n>{N})分,?(?:则)?(?:不得分|为0分|得0分|计0分)")
#: full marks where the target is met: 达到目标值得满分, 无负面情绪记录为满分, 车辆清洁度达到90%得满分
_FULL = _p(rf"(?P<desc>[^,;\d]*?)(?:达到目标值?|达到(?P<n>{N}%?)|在[^,;]{{1,16}}?(?:范围内|以内|之内))(?:的)?,?"
           rf"(?:为|得|即得|则得|即为)?满分"
           rf"|(?P<within>{N})(?P<wu>分钟|小时|秒|个工作日|工作日|天|次|个)(?:内|以内|之内)[^,;\d]{{0,8}}?(?:为|得|即得)满分"
           rf"|(?P<none>[^,;\d]*?无[^,;\d]{{1,12}}?)(?:的)?,?(?:为|得|即得)满分"
           rf"|[^,;\d]{{0,12}}?(?:≥|>=|≤|<=|达到|达|不超过|不高于)?(?P<n2>{N}%?)(?:及以上|以上|及以下|以下|以内)?(?:的)?,?"
           rf"(?:为|得|即得|即为)满分")
#: the item's full marks where everything asked is done: 完成所有要求30分, 按要求完成10分
_ALL = _p(rf"(?P<desc>完成所有|按要求完成|全部完成|完成全部)(?P<what>[^,;\d]{{0,12}}?)(?:为|得)?(?P<s>{N})分")
#: a band: a condition on the actual, then its points
_COND = (rf"(?:(?P<lo>{N})(?P<lu>{UNIT})?-(?P<hi>{N})(?P<hu>{UNIT})?(?:之间)?"
         rf"|(?P<op>≥|>=|>|≤|<=|<|低于|不足|少于|小于|超过|高于|大于|不低于|不少于|达到)(?P<n>{N})(?P<u>{UNIT})?"
         rf"(?P<opx>以上|以下|以内)?"
         rf"|(?P<m>{N})(?P<mu>{UNIT})?(?P<suffix>及以上|或以上|含以上|以上|及以下|或以下|以下|以内|之内|内)"
         rf"|(?<=完成|达到|等于)(?P<at>{N})(?P<au>%)?(?=[,:得]))")
_BAND = _p(rf"(?P<desc>[^,;:\d]*?)(?:在|为)?{_COND}(?P<after>[^,;:\d扣加减得]{{0,10}}?),?:?"
           rf"(?P<extra>得额外|额外加|额外得)?(?:为|得|则|加|可得)?(?:(?P<s1>{N})-(?P<s2>{N})分|(?P<s>{N})分|(?P<zero>不得分)|(?P<fullm>满分)"
           rf"|(?P<linear>接受线性公式计算|按线性计算|线性计算|线性插值)|(?P<prorata>按同比例核算分值|按同比例计算分值|按同比例计算))")
#: a count of occurrences exactly, then its points: 1次投诉:得8分, 误操作0次:得5分
_TIMES = _p(rf"(?P<desc>[^,;:\d]*?)(?P<k>\d+)(?P<unit>次|个|起|例|件|条)(?P<more>及以上|以上)?"
            rf"(?P<after>[^,;:\d扣加减得]{{0,10}}?),?:?(?P<extra>得额外|额外加|额外得)?(?:为|得|加)?(?:(?P<s>{N})分|(?P<zero>不得分))")
#: a label and its points, or its share of the weight: 1级5分, 超负荷:5, 优秀得满分, 良好得80%, 规定时间内响应:得5分
_LABEL = _p(rf"(?!(?:低于|高于|超过|不足|少于|以上|以下)\d)(?!满分|总分|得分)"
            rf"(?P<label>[^,;:\d()/*×÷%每扣加减得]{{1,24}}?|\d+级)(?::|为|得|:得|,)?"
            rf"(?:(?P<s>[-+]?{N})分|(?P<bare>[-+]?{N})(?=[,;]|$)|(?P<share>{N})%|(?P<fullm>满分)|(?P<zero>不得分))")
#: a rubric's range of points for a description, the assessor giving the points: 团队配合度较好5-7分
_RUBRIC = _p(rf"(?P<desc>[^,;:\d]{{1,40}}?)(?:,[^,;:\d]{{1,30}}?)*:?(?:得)?(?P<s1>{N})-(?P<s2>{N})分")
#: a ratio of the actual to the target, as a formula: 实际达成率/达成率目标值*100
_RATIO = _p(r"(?:得分=)?(?:实际)?[^/,;]{0,12}/[^/,;*×]{0,14}?(?:目标值?|计划值?)"
            r"(?:(?P<times>[*×]100)(?!%)|(?:[*×]100%)?[*×](?P<weight>权重|分值))?")
#: a rate of two counts the person's row holds, scored as its share of the weight: 出勤率 实际出勤天数/标准出勤天数
#: 出勤得分 出勤率*50% (the rate named, then the score as the rate times the weight)
_COLUMNS = _p(rf"(?:得分=)?(?P<rate>[^/,;*\d]{{0,8}}?)(?P<num>实际[^/,;*\d]{{1,12}}?)/(?P<den>[^/,;*\d]{{1,12}}?"
              rf"(?:天数|人数|次数|件数|单数|数|量|额|时长))(?:[^/,;*\d]{{0,8}}?得分)?(?P=rate)?[*×](?P<w>{N})%")
#: the total zeroed: 重大事故直接取消考核资格, 一票否决
_VETO = _p(r"(?P<desc>[^,;]*?)(?:则|即)?(?:直接)?(?:取消考核资格|一票否决"
           r"|取消(?:当月|本月|当期|全年)?(?:绩效|考核)(?:资格)?|考核(?:为|计)0分|绩效为0)")
#: a scoring this grammar cannot be certain of: 按比例扣分 with no proportion, a rank inside the item, a score
#: left to the assessor (-30至-100)
_UNDEFINED = _p(r"[^;]*?(?:按(?:对应)?比例(?:扣分|扣减|计算|得分)|基本分|酌情|视情况|排名|-?\d+至-?\d+)")

#: statements in the order they are tried at a place: the narrow before the wide
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("undefined", _UNDEFINED), ("cliff", _CLIFF), ("cap", _CAP), ("rate", _RATE), ("step", _STEP), ("veto", _VETO),
    ("step", _OVERTIME), ("full", _FULL), ("all", _ALL), ("allow", _ALLOW), ("allow", _BEYOND), ("short", _SHORT),
    ("amount", _AMOUNT), ("forfeit", _FORFEIT), ("band", _BAND), ("gain", _GAIN), ("times", _TIMES),
    ("rubric", _RUBRIC), ("event", _EVENT), ("bare", _BARE), ("mark", _MARK), ("columns", _COLUMNS),
    ("ratio", _RATIO), ("label", _LABEL),
)

_SEPARATORS = re.compile(r"[,;:、\s]*")
#: where a numbered clause begins: 1、 1. (1) ① ● at the start or after an end of clause
_NUMBERED = re.compile(r"(?:^|(?<=[;。\n]))\s*(?:\(?\d{1,2}[)、.](?!\d)|[①-⑳]|[●•▪◆■·])")
#: a worked example's formula of a linear score: (85.22%-85%)*(100-60)分/(100%-85%)*100+60分, whose ends
#: (85% at 60, 100% at 100) say what 按同比例核算分值 means
LINEAR_EXAMPLE = _p(rf"\((?:{N})%?-(?P<lo>{N})%?\)\*\((?P<s2>{N})-(?P<s1>{N})\)分?/\((?P<hi>{N})%?-(?P=lo)%?\)"
                    rf"(?:\*100)?\+(?P=s1)分?")
_EXAMPLE = re.compile(r"【[^】]*】|\(例[::][^)]*\)|\((?:如|比如|例如)[^)]*\)")
_REMARK = re.compile(r"\((?![-+]\d)[^()]*\)")


def read_phrases(text: str) -> Read:
    """A 评分标准 cell as statements, clause by clause (see the module's note)."""
    out = Read()
    if len(text) > MAX_TEXT:
        out.too_long = True
        return out
    folded = fold_text(text)
    out.remarks += _EXAMPLE.findall(folded)
    folded = _EXAMPLE.sub("", folded).replace("(含)", "含")
    out.remarks += _REMARK.findall(folded)
    folded = _REMARK.sub("", folded)
    items = [i for i in _NUMBERED.split(folded) if i.strip(" ,、.;。\n")]
    for item in items:
        context = ""  # a clause of description only, before the clause that gives its points
        for clause in (c.strip(" ,、.") for c in re.split(r"[;。\n]", item)):
            if not clause:
                continue
            read = _statements(clause)
            if read is None:
                if SCORING.search(clause):
                    out.unread.append(clause)
                else:
                    context = clause
                continue
            for statement in read:
                if context and "desc" in statement.said and not statement.said["desc"].strip(","):
                    statement = replace(statement, said={**statement.said, "desc": context})
                out.statements.append(statement)
            context = ""
    return out


def _statements(clause: str) -> list[Statement] | None:
    """A clause as a run of statements matched whole, or None where some part of it matches no pattern.
    A leading description with no scoring word in it (按实际解决率计算, 客户投诉…的比例) is passed over."""
    lead = re.match(r"[^,;]*?,", clause)
    for start in ([0, lead.end()] if lead and not SCORING.search(lead.group()) else [0]):
        got = _run(clause, start)
        if got is not None:
            return got
    return None


def _run(clause: str, pos: int) -> list[Statement] | None:
    out: list[Statement] = []
    while True:
        pos = _SEPARATORS.match(clause, pos).end()  # type: ignore[union-attr]
        if pos >= len(clause):
            return out
        for kind, pattern in PATTERNS:
            m = pattern.match(clause, pos)
            if m is None or m.end() == pos or not _plain(m):
                continue
            said = {k: v for k, v in m.groupdict().items() if v is not None}
            if "n2" in said:  # 98%以上得满分: the number full marks are at, as 达到98% says it
                said["n"] = said.pop("n2")
            out.append(Statement(kind, said, m.group()))
            pos = m.end()
            break
        else:
            return None


def _plain(m: re.Match[str]) -> bool:
    """A description a pattern took in holds no scoring word of its own: 扣5分 inside it is a statement
    the pattern ran over."""
    said = m.groupdict()
    desc, noun = said.get("desc") or "", said.get("noun") or ""
    if desc[-1:].isdigit() or _COUNTING.search(noun):  # 3次以上每次: a count, not an incident
        return False
    if _COUNT.search(desc + noun):  # 2次扣5分: a count's own points, not an incident
        return False
    if _BEYOND_WORDS.search(desc + noun + (said.get("lead") or "")):
        return False  # 超过部分每次扣1分 counts beyond an allowance said elsewhere: never without it
    return not _POINTS_SAID.search(desc)


_COUNTING = re.compile(r"以上|以下|以内|每|超过")
_COUNT = re.compile(r"\d+(?:次|起|例|件|条|项|个|户|人)")
_BEYOND_WORDS = re.compile(r"超过|超出")
_POINTS_SAID = re.compile(rf"扣{N}|得{N}|加{N}|{N}分(?!钟)|满分|不得分|每(?:低|高|超|少|多|提前|延迟)|\d%")


def number(text: str) -> float:
    """A number the grammar matched (its digits, a % read as a fraction)."""
    parsed = parse_number(text)
    if parsed is None:  # the patterns match only numbers
        raise ValueError(text)
    return parsed[0]
