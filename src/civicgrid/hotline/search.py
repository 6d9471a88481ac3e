"""Chinese full-text search for the knowledge base, portable across SQLite and PostgreSQL.

Chinese has no spaces between words, so we index overlapping character bigrams (“低保申请” →
“低保 保申 申请”), as Lucene's CJK analyser does; runs of Latin letters and digits are kept as
whole lower-case words. A query is cut the same way and an article matches when its search text
contains at least 60 % of the query tokens (one LIKE each, OR-ed: fine for the few thousand articles a
hotline keeps; on PostgreSQL a pg_trgm GIN index on search_text would make the LIKEs indexed).
Results are ranked by tokens matched (title and keywords count double), then by use.
"""
from __future__ import annotations

import math
import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_TOKENS = 12
MIN_SHARE = 0.6


def tokens(text: str) -> list[str]:
    text = (text or "").lower()
    out: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    out.extend(_WORD.findall(text))
    return out


def index_text(*parts: str) -> str:
    # Single characters are indexed too, so a one-character query (“税”) still finds something.
    toks = set()
    for p in parts:
        toks.update(tokens(p))
        toks.update(_CJK.sub(lambda m: " ".join(m.group()), (p or "").lower()).split())
    return " " + " ".join(sorted(t for t in toks if t.strip())) + " "


def query_tokens(query: str) -> list[str]:
    seen, out = set(), []
    for t in tokens(query):
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out[:MAX_QUERY_TOKENS]


def search(queryset, query: str, limit: int = 20) -> list:
    toks = query_tokens(query)
    if not toks:
        return []
    from django.db.models import Q

    # Any token may match; an article must then hold at least 60 % of the query's tokens, so
    # punctuation inside a phrase (“低保）申请”) does not lose it while stray bigrams do not match.
    q = Q()
    for t in toks:
        q |= Q(search_text__contains=f" {t} ")
    need = max(1, math.ceil(len(toks) * MIN_SHARE))
    scored = []
    for a in queryset.filter(q)[:500]:
        body = set(a.search_text.split())
        hits = sum(t in body for t in toks)
        if hits < need:
            continue
        head = set(tokens(a.title)) | set(tokens(a.keywords))
        # a token in the title or keywords counts twice
        scored.append(((-(hits + sum(t in head for t in toks)), -a.used_count, a.title), a))
    scored.sort(key=lambda x: x[0])
    return [a for _, a in scored[:limit]]
