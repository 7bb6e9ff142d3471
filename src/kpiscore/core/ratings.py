"""Long-format ratings aggregated: each ratee's rating from a source's rows (one rating per row, with its rater
and role), with the breakdown the audit shows. The rule (`rules.Rating`) scores the mean; this reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .rules import Rating
from .say import Say
from .values import fmt_plain, fold, mean_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


#: the roles of a self-rating, folded and lower case: shown, but counted only where `roles` weights them
SELF_ROLES = frozenset({"自评", "本人", "self"})
#: the group of a self-rating that names no role: a key, not a word (it is said as `rating_self`)
OWN = "\x00own"


def rated(rule: Rating, rows: pd.DataFrame, say: Say) -> pd.DataFrame:
    """Each ratee's rating from the source's rows (`rows`: id, rater, role, score; the ids folded, in the
    file's order): `value` (blank below `min_raters`), the ratings counted `n`, and the breakdown in
    `words`, e.g. `上级 4.5；下级 4, 5, 3 → 4.0；0.6 × 4.5 + 0.4 × 4.0 = 4.30`."""
    role = rows["role"].fillna("").astype(str).map(fold) if rule.role_column else pd.Series("", index=rows.index)
    weights = {fold(k): v for k, v in (rule.roles or {}).items()}
    own = role.str.lower().isin(SELF_ROLES) | (rows["rater"].fillna("").astype(str).map(fold) == rows["id"])
    counted = role.isin(list(weights)) if weights else ~own
    # without roles the counted ratings are one group, and self-ratings are shown apart
    group = role if weights else role.where(role != "", OWN).where(~counted, "")
    keys = [rows["id"].to_numpy(), group.to_numpy()]
    scores = rows["score"].where(counted)
    by = scores.groupby(keys, sort=False)
    n, total = by.count(), by.sum()
    mean = total / n
    if rule.trim:
        mean = mean.where(n < 3, (total - by.max() - by.min()) / (n - 2))
    shown = fmt_plain(rows["score"]).groupby(keys, sort=False).agg(", ".join)
    said = (shown + " → " + mean_text(mean, 1)).where(n > 1, shown)
    if rule.trim:
        said = said.where(n < 3, shown + say("rating_trimmed") + " → " + mean_text(mean, 1))
    named = said.index.get_level_values(1)
    shown_as = np.where(named == OWN, say("rating_self"), named)
    said = (pd.Series(shown_as, index=said.index) + " " + said).where(named != "", said)
    said = said.where(n > 0, said + say("rating_not_counted"))
    ids = said.index.get_level_values(0)
    w = pd.Series(named.map(weights).to_numpy(dtype=float), index=said.index).where(n > 0)
    share = w / w.groupby(ids, sort=False).transform("sum")
    people = n.groupby(ids, sort=False).sum()
    value = (mean * share if weights else mean.where(named == "")).groupby(ids, sort=False).sum(min_count=1)
    sep = say("list_sep")
    text = said.groupby(ids, sort=False).agg(sep.join)
    if weights:  # 0.6 × 4.5 + 0.4 × 4.0 = 4.30, where two roles or more count
        terms = (fmt_plain(share) + " × " + mean_text(mean, 1)).where(share.notna())
        sums = terms.dropna().groupby(ids[share.notna().to_numpy()], sort=False).agg(" + ".join)
        many = share.notna().groupby(ids, sort=False).sum() > 1
        combined = (sep + sums + " = " + mean_text(value, 2)).reindex(text.index)
        text = text.where(~many.reindex(text.index, fill_value=False), text + combined)
    short = people < rule.min_raters
    few = pd.Series(say("rating_few", min_raters=rule.min_raters), index=text.index)
    return pd.DataFrame({"value": value.where(~short), "n": people,
                         "words": text.where(~short, text + few)})
