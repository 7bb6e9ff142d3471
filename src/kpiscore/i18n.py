"""Every message and output label in both languages, keyed by a stable code.

Findings keep their code, so tests and callers match on codes while users read Chinese (the default)
or English, as the scheme's `language` asks.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # YAML and scheme structure (pydantic error types keep their names)
    "yaml_syntax": ("YAML 格式错误：{detail}", "YAML syntax error: {detail}"),
    "yaml_duplicate_key": ("键 {key!r} 重复出现（第一次在第 {first} 行）", "duplicate key {key!r} (first at line {first})"),
    "yaml_alias_bomb": ("YAML 别名展开过多，拒绝读取", "YAML aliases expand too far; refusing to read it"),
    "yaml_not_mapping": ("方案文件应为键值映射", "the scheme file must be a mapping of keys"),
    "yaml_key_type": ("键必须是文字", "keys must be text"),
    "missing": ("缺少必填字段", "required field is missing"),
    "extra_forbidden": ("未知字段（拼写错误？）", "unknown field (a typo?)"),
    "float_parsing": ("应为数字，实际为 {input!r}", "expected a number, got {input!r}"),
    "float_type": ("应为数字，实际为 {input!r}", "expected a number, got {input!r}"),
    "int_parsing": ("应为整数，实际为 {input!r}", "expected a whole number, got {input!r}"),
    "int_type": ("应为整数，实际为 {input!r}", "expected a whole number, got {input!r}"),
    "int_from_float": ("应为整数，实际为 {input!r}", "expected a whole number, got {input!r}"),
    "string_type": ("应为文字，实际为 {input!r}", "expected text, got {input!r}"),
    "bool_parsing": ("应为 true 或 false，实际为 {input!r}", "expected true or false, got {input!r}"),
    "bool_type": ("应为 true 或 false，实际为 {input!r}", "expected true or false, got {input!r}"),
    "literal_error": ("应为 {expected} 之一，实际为 {input!r}", "expected one of {expected}, got {input!r}"),
    "list_type": ("应为列表", "expected a list"),
    "dict_type": ("应为键值映射", "expected a mapping"),
    "model_type": ("应为键值映射", "expected a mapping"),
    "model_attributes_type": ("应为键值映射", "expected a mapping"),
    "tuple_type": ("应为两个数 [s1, s2]", "expected two numbers [s1, s2]"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "at most {max_length} item(s)"),
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
    "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
    "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "union_tag_invalid": ("未知的规则类型 {tag!r}，可用：{expected_tags}", "unknown rule type {tag!r}; use one of {expected_tags}"),
    "union_tag_not_found": ("规则缺少 type（如 type: ratio）", "the rule needs a type (e.g. type: ratio)"),
    "number": ("应为数字或百分数（如 90%）", "expected a number or a percent such as 90%"),
    "interval": ("区间写法如 \"[90%, 95%)\" 或 \">= 95%\"", "write an interval such as \"[90%, 95%)\" or \">= 95%\""),
    "band_open": ("[s1, s2] 需要两端都有界的区间，{when} 是开放区间", "a [s1, s2] score needs an interval with two ends; {when} is open-ended"),
    "band_overlap": ("区间 {a} 与 {b} 重叠", "bands {a} and {b} overlap"),
    "mapping_empty": ("评级法至少需要一个等级标签", "a mapping needs at least one label"),
    "mapping_duplicate": ("有两个标签在去空格和全半角统一后相同", "two labels are the same after trimming and folding"),
    "rating_trim": ("trim 不能与评分人权重同时使用", "trim cannot be used together with rater weights"),
    "veto_grade": ("effect: grade 需要指定等级，如 grade: 待改进", "effect: grade needs the grade to force, e.g. grade: 待改进"),
    # scheme semantics
    "weights_sum": ("权重合计 {sum}，应为 {total}", "weights add up to {sum}, not {total}"),
    "grades_order": ("等级应按 min 从高到低排列：{grade} 的 min {min} 不低于上一等级", "grades must go from the highest min down: {grade} (min {min}) is not below the one before"),
    "grade_duplicate": ("等级 {grade} 重复", "grade {grade} appears twice"),
    "name_duplicate": ("名称 {name} 重复：指标和维度名称必须唯一", "the name {name} is used twice; indicator and dimension names must be unique"),
    "column_conflict": ("输入列 {column} 被多个指标以不同方式读取", "input column {column} is read by several indicators in different ways"),
    "column_reserved": ("输入列 {column} 与工号/姓名/部门等基本列同名", "input column {column} is also an id/name/group/base column"),
    "adjustment_in_dimension": ("{type} 不计权重，应放在顶层 adjustments 列表中", "{type} carries no weight; list it under the top-level adjustments"),
    "weighted_in_adjustments": ("adjustments 只能使用 bonus、penalty 或 veto，{type} 应放在维度中并给出权重", "adjustments take bonus, penalty or veto only; put {type} in a dimension with a weight"),
    "weight_missing": ("计权指标需要 weight", "a weighted indicator needs a weight"),
    "weight_on_adjustment": ("{type} 不计权重，不能有 weight", "{type} carries no weight; remove weight"),
    "target_missing": ("{type} 规则需要 target", "the {type} rule needs a target"),
    "target_positive": ("比率法的 target 必须大于 0", "a ratio target must be above 0"),
    "ratio_cap": ("越低越好的比率法需要 cap（如 cap: 1.2）", "a lower-is-better ratio needs a cap (e.g. cap: 1.2)"),
    "points_over_weight": ("最高可得 {points} 分，超过权重 {weight}", "gives up to {points} points, more than the weight {weight}"),
    "max_below_weight": ("max {max} 低于权重 {weight}", "max {max} is below the weight {weight}"),
    "percent_bare": ("{value} 在百分比指标中有歧义：请写成 {pct}% 或 {frac}", "{value} is ambiguous for a percent indicator: write {pct}% or {frac}"),
    "veto_grade_unknown": ("等级 {grade} 不在 grades 中", "grade {grade} is not one of the grades"),
    "unknown_scheme": ("找不到方案文件 {name}；内置方案：{starters}", "no scheme file {name}; starter schemes: {starters}"),
    # input
    "file_missing": ("找不到文件 {path}", "no such file: {path}"),
    "file_format": ("无法读取 {suffix} 文件：支持 xlsx、xlsm、xls、ods、csv、tsv", "cannot read {suffix} files: use xlsx, xlsm, xls, ods, csv or tsv"),
    "file_unreadable": ("无法读取：{detail}", "cannot read it: {detail}"),
    "zip_bomb": ("工作簿内容解压后过大（{member}），拒绝读取", "the workbook expands too far when unzipped ({member}); refusing to read it"),
    "sheet_missing": ("没有名为 {sheet} 的工作表；现有：{sheets}", "no sheet named {sheet}; sheets: {sheets}"),
    "header_missing": ("前 20 行中找不到表头（含 {column} 的行）", "no header row (one with {column}) in the first 20 rows"),
    "header_missing_any": ("没有工作表在前 20 行内含表头（{column}）", "no sheet has a header row (with {column}) in its first 20 rows"),
    "columns_missing": ("缺少列：{columns}", "missing columns: {columns}"),
    "column_duplicate": ("列 {column} 出现了两次", "column {column} appears twice"),
    "not_number": ("{value!r} 不是数字（{indicator}）", "{value!r} is not a number ({indicator})"),
    "percent_ambiguous": ("{value!r} 不是百分数：请写成 {value}% 或 {frac}（{indicator}）", "{value!r} is not a percent: write {value}% or {frac} ({indicator})"),
    "percent_unexpected": ("{value!r} 是百分数，但 {indicator} 不是百分比指标", "{value!r} is a percent, but {indicator} is not a percent indicator"),
    "negative": ("{value!r} 不能为负数（{indicator}）", "{value!r} cannot be negative ({indicator})"),
    "rating_range": ("评分 {value!r} 超出 0–{scale}（{indicator}）", "rating {value!r} is outside 0–{scale} ({indicator})"),
    "unknown_label": ("{value!r} 不是可选等级：{labels}（{indicator}）", "{value!r} is not one of the labels {labels} ({indicator})"),
    "blank": ("空白单元格（{indicator}），missing 策略为 error", "blank cell ({indicator}) while missing is error"),
    "id_blank": ("工号为空，但该行有数据", "the id is blank in a row that has data"),
    "id_duplicate": ("工号 {id} 重复（另见第 {other} 行）", "duplicate id {id} (also in row {other})"),
    "no_applicable": ("该行所有计权指标都不适用（skip），无法计分", "no weighted indicator applies to this row (all skipped)"),
    "no_rows": ("没有数据行", "there are no data rows"),
    "employee_unknown": ("找不到工号 {id}", "no employee with id {id}"),
    # usage
    "output_exists": ("{path} 已存在：加 --force 覆盖", "{path} exists: add --force to replace it"),
    "output_is_input": ("输出文件不能是输入文件 {path}", "the output cannot be the input file {path}"),
    "stdout_xlsx": ("xlsx 不能写到标准输出：用 --format json 或 csv", "xlsx cannot go to stdout: use --format json or csv"),
    "format_unknown": ("未知格式 {format}：用 xlsx、csv 或 json", "unknown format {format}: use xlsx, csv or json"),
    "written": ("已写入 {path}：{count} 人", "wrote {path}: {count} employee(s)"),
    "scheme_ok": ("方案 {name} 无误：{dimensions} 个维度，{indicators} 个指标，权重合计 {total}",
                  "scheme {name} is valid: {dimensions} dimension(s), {indicators} indicator(s), weights {total}"),
    "input_ok": ("输入 {file} 无误：{count} 人", "input {file} is valid: {count} employee(s)"),
    "errors_found": ("发现 {count} 个问题：", "{count} problem(s) found:"),
    "created": ("已创建 {path}（来自内置方案 {name}），编辑后使用", "created {path} from the starter scheme {name}; edit it to fit"),
    "template_changed": ("该输入模板生成后方案已修改（模板方案 {name}）", "the scheme has changed since this input template was made (template scheme {name})"),
}

LABELS: dict[str, tuple[str, str]] = {
    "id": ("工号", "ID"),
    "name": ("姓名", "Name"),
    "group": ("部门", "Group"),
    "base": ("绩效奖金基数", "Bonus base"),
    "score_suffix": ("得分", " score"),
    "subtotal_suffix": ("小计", " subtotal"),
    "bonus": ("加分", "Bonus"),
    "penalty": ("扣分", "Penalty"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "coefficient": ("绩效系数", "Coefficient"),
    "payout": ("绩效奖金", "Payout"),
    "rank": ("排名", "Rank"),
    "group_rank": ("部门内排名", "Rank in group"),
    "veto": ("一票否决", "Veto"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "not_applicable": ("不适用", "n/a"),
    "blank_zero": ("空白: 0", "blank: 0"),
    "rescaled": ("按适用权重折算", "rescaled to applicable weight"),
    "dimension": ("维度", "Dimension"),
    "indicator": ("指标", "Indicator"),
    "weight": ("权重", "Weight"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "rule": ("计分规则", "Rule"),
    "calculation": ("计算过程", "Calculation"),
    "score": ("得分", "Score"),
    "scores_sheet": ("得分", "Scores"),
    "mean": ("平均", "mean"),
    "min": ("最低", "min"),
    "max": ("最高", "max"),
}

DEFAULT_GRADES: dict[str, list[tuple[str, float]]] = {
    "zh": [("优秀", 90), ("良好", 80), ("达标", 70), ("待改进", 0)],
    "en": [("Excellent", 90), ("Good", 80), ("Pass", 70), ("Needs improvement", 0)],
}


def msg(code: str, lang: str, /, **params: Any) -> str:
    """The message for `code` in `lang`, filled in; unknown codes fall back to their `message` param."""
    pair = MESSAGES.get(code)
    if pair is None:
        return str(params.get("message", code))
    template = pair[0] if lang == "zh" else pair[1]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return str(params.get("message", template))


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
