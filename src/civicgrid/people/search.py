"""Finding a person: by name fragment, phone suffix, full phone, full identity number, or address.

Names — one index design on both databases. Each person carries `name_grams`: every single
character and every pair of adjacent characters of the name ("张建国" → 张 建 国 张建 建国).
- A fragment of 1–2 characters (what clerks mostly type: "张", "建国") is one token lookup.
- A longer fragment is the AND of its bigrams, then rechecked with LIKE (bigrams can match out of order).
- SQLite: an FTS5 table (external content over people_person, kept by triggers) with the unicode61
  tokenizer indexes the grams; a CJK run between spaces is one token, so "建国" matches only the
  bigram. The trigram tokenizer was not used: it cannot match fragments shorter than 3 characters.
- PostgreSQL: a GIN index on string_to_array(name_grams, ' '), queried with @>. pg_trgm was not used
  for names: it extracts no trigram from 1–2 character fragments (a full index scan), and with a
  C/POSIX LC_CTYPE it does not treat CJK characters as word characters at all.
Identity numbers and full phones — exact lookup through the keyed hash; phones by their last four
digits through `phone_suffix`. Addresses — the building address/name, entrance and room number.
"""
from __future__ import annotations

import re

from django.db import connection
from django.db.models import Lookup, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from civicgrid.core.crypto import lookup_hash
from civicgrid.core.phones import normalise_phone, phone_hash

from .models import ID_TYPE_CHOICES, Person, Room

_ID_LIKE = re.compile(r"^[0-9A-Z]{6,30}$")
_ADDRESS_HINT = re.compile(r"[0-9０-９号楼栋单元室路街巷院区里弄村幢座层]")


def grams_for_query(fragment: str) -> list[str]:
    frag = "".join(fragment.split())
    if len(frag) <= 2:
        return [frag] if frag else []
    return list(dict.fromkeys(frag[i:i + 2] for i in range(len(frag) - 1)))


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class GramsContain(Lookup):
    """PostgreSQL: `string_to_array(name_grams, ' ') @> tokens` — the expression the GIN index is on."""

    lookup_name = "grams_contain"
    prepare_rhs = False  # the value is a list of tokens, passed as a text[] parameter

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"string_to_array({lhs}, ' ') @> %s::text[]", [*lhs_params, list(self.rhs)]


Person._meta.get_field("name_grams").register_lookup(GramsContain)


def name_q(fragment: str) -> Q:
    """A condition on Person for a name fragment, answered by the index on either database."""
    frag = "".join(fragment.split())
    tokens = grams_for_query(frag)
    if not tokens:
        return Q(pk__in=[])
    if connection.vendor == "sqlite":
        match = " AND ".join(_fts_quote(t) for t in tokens)
        q = Q(pk__in=RawSQL("SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s", [match]))
    elif connection.vendor == "postgresql":
        q = Q(name_grams__grams_contain=tokens)
    else:
        q = Q()
    return q & Q(name__contains=frag)


def filter_name(qs: QuerySet, fragment: str) -> QuerySet:
    return qs.filter(name_q(fragment))


def name_ids_sql(fragment: str) -> tuple[str, list]:
    """The raw SQL the index answers (used by the benchmark beside a sequential scan)."""
    tokens = grams_for_query(fragment)
    if connection.vendor == "postgresql":
        return ("SELECT id FROM people_person WHERE string_to_array(name_grams, ' ') @> %s::text[] "
                "AND name LIKE %s LIMIT 50", [tokens, f"%{fragment}%"])
    return ("SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s LIMIT 50",
            [" AND ".join(_fts_quote(t) for t in tokens)])


def identity_hashes(value: str) -> list[str]:
    return [lookup_hash(f"{code}:{value}") for code, _ in ID_TYPE_CHOICES]


def search(qs: QuerySet[Person], q: str, rooms: QuerySet[Room] | None = None) -> QuerySet[Person]:
    """`qs` and `rooms` are already scoped to the user; this only narrows them."""
    q = (q or "").strip()
    compact = re.sub(r"[\s\-]", "", q).upper()
    if not compact:
        return qs.none()
    if compact.startswith(("+86", "0086")):
        compact = normalise_phone(compact)  # "+86 138…" is the register's "138…"
    if compact.isdigit() and len(compact) == 11:
        return qs.filter(Q(phone_hash=phone_hash(compact)) | Q(id_hash__in=identity_hashes(compact)))
    if compact.isdigit() and len(compact) == 4:
        return qs.filter(phone_suffix=compact)
    if compact.isdigit() and len(compact) == 3:
        return qs.filter(phone_suffix__endswith=compact)
    if _ID_LIKE.match(compact) and any(c.isdigit() for c in compact):
        by_id = Q(id_hash__in=identity_hashes(compact))
        if compact.isdigit():
            by_id |= Q(phone_hash=phone_hash(compact))
        return qs.filter(by_id)
    result = name_q(q)
    if rooms is not None and _ADDRESS_HINT.search(q):
        labelled = rooms.annotate(label=Concat("building__address", "building__name", "entrance__name",
                                               "number", Value("室")))
        matched = labelled.filter(label__contains=compact)
        result |= Q(room__in=matched.values("pk"))
    return qs.filter(result)
