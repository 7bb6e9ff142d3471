"""A KPI table's cell text as the phrase grammar reads it: one spelling of every character and number.

Tables are typed in full-width forms, traditional characters, Chinese numerals (扣两分, 一次) and with spaces
anywhere (`10 分`, `饱　和`); the grammar (`phrases`) is written for one spelling of each. Folding here is the
only place those spellings meet, so the grammar never sees two ways of writing one thing.
"""

from __future__ import annotations

import re
import unicodedata

#: the longest cell the grammar reads: a longer one is a finding, never a slow parse
MAX_TEXT = 2000

#: traditional characters of the scoring vocabulary, and those common in indicator names, as simplified
_TRADITIONAL = str.maketrans(
    "過鐘於訂單時長異數繞戶訴當達滿計實際據與業對設備電車輛價務額準績質評為個項無錯誤標內門處們響應週後來發現違規"
    "屬總獎懲減輕並續記錄話態禮範圍區間請遲點線員級優較確認極滯視緊復維護養檢議題決負責調盡銷測準時資訊統"
    "會計劃歷兩並幾種僅沒讓這裡將從還當參該則沒關鍵團隊協溝通評價節約費銷售額貨運輸駕駛員故障備件處數據"
    "準確達標準點擊線響時長問題決負記錄錯漏補償頭協議",
    "过钟于订单时长异数绕户诉当达满计实际据与业对设备电车辆价务额准绩质评为个项无错误标内门处们响应周后来发现违规"
    "属总奖惩减轻并续记录话态礼范围区间请迟点线员级优较确认极滞视紧复维护养检议题决负责调尽销测准时资讯统"
    "会计划历两并几种仅没让这里将从还当参该则没关键团队协沟通评价节约费销售额货运输驾驶员故障备件处数据"
    "准确达标准点击线响时长问题决负记录错漏补偿头协议")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
           "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_TENS = {"十": 10, "拾": 10, "百": 100, "佰": 100}

#: the counters after which a Chinese numeral is a number (一次, 三个工作日, 两分); 一般, 一级指标 stay words
_COUNTERS = ("次|个|项|天|日|分|条|起|例|户|人|名|件|单|位|份|周|月|季度|年|倍|元|小时|分钟|秒|课时|级|家|台|"
             "个工作日|个百分点|成")
_NUMERAL = re.compile(rf"[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百佰]+(?=(?:{_COUNTERS}))")


def _numeral(match: re.Match[str]) -> str:
    """三 → 3, 十五 → 15, 二十 → 20, 一百 → 100; a run that is no numeral (十十) stays as written."""
    text, total, digit = match.group(), 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:
                return text
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _TENS[ch]
            digit = None
    return str(total + (digit or 0))


#: spaces between two characters of which one is CJK or a digit close up (`10 分`, `饱　和`); a tab is a column
_GAP = re.compile(r"(?<=[\u3400-\u9fff\d%.])[ \u00a0]+|[ \u00a0]+(?=[\u3400-\u9fff\d%.(])")


#: a web page's pinyin after a character (数(shù)据(jù)): no part of the text
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,8}\)")


def fold_text(text: str) -> str:
    """A cell's text in the grammar's one spelling: NFKC (full-width ＞，％ → >,%), simplified characters,
    Arabic numbers before a counter, 个百分点 as %, and no spaces but those between Latin words. A tab (a column
    of a pasted table) is a colon; line breaks stay, they end a clause."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", ":")
    text = _GAP.sub("", text)
    text = re.sub(r"个?百分点", "%", text)
    text = _PINYIN.sub("", text)
    text = _NUMERAL.sub(_numeral, text)
    text = re.sub(r"百分之(\d+(?:\.\d+)?)", r"\1%", text)
    for wide, plain in (("~", "-"), ("—", "-"), ("–", "-"), ("－", "-"), ("≧", "≥"), ("≦", "≤"), ("﹪", "%"),
                        ("“", ""), ("”", ""), ("‘", ""), ("’", "")):
        text = text.replace(wide, plain)
    return re.sub(r"\n\s*\n+", "\n", text).strip()
