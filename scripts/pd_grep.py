"""Grep the whole database and var/ for identity numbers and mobile phone numbers in clear.

    CIVICGRID_VAR_DIR=var .venv/bin/python scripts/pd_grep.py [--var DIR] [--raw-db]

What may legitimately remain: ciphertext (enc1:… tokens, removed before matching) and the phones of
staff, which are public on the grid roster (实名制公示). Everything else found is listed by place
(table.column or file) with a masked sample, and the script exits 1. The last line is one JSON
object with the figures.

--raw-db also reads the SQLite file byte by byte: deleted rows can linger in free pages, which a
query never shows.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ENC_TOKEN = re.compile(r"enc1:[A-Za-z0-9_\-=]+")
# Keyed hashes and random file names: hex runs with at least one letter (a digit run is not skipped).
# No word boundaries: in the raw SQLite file index pages put binary bytes right beside the hex.
HEX_RUN = re.compile(r"(?=[0-9a-f]*[a-f])[0-9a-f]{16,}")
# Fernet's own base64 (files encrypted whole: import uploads) has no "enc1:" prefix.
FERNET_BLOB = re.compile(r"gAAAAA[A-Za-z0-9_\-=]{40,}")


def setup() -> None:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def finders():
    from civicgrid.core.pii import ID_RE, MOBILE_RE

    return [("证件号码", ID_RE), ("手机号", MOBILE_RE)]


PUBLIC_CODES: set[str] = set()


def public_codes() -> set[str]:
    """Division and grid codes: public, and 15 of their digits can look like an old ID number."""
    from civicgrid.regions.models import Region

    return set(Region.objects.values_list("code", flat=True))


def allowed_phones() -> set[str]:
    """Staff phones: public on the roster by design."""
    from django.contrib.auth import get_user_model

    return {re.sub(r"\D", "", p)[-11:] for p in get_user_model().objects.exclude(phone="").values_list("phone", flat=True)}


def scan_text(text: str, allowed: set[str]):
    text = HEX_RUN.sub(" ", FERNET_BLOB.sub(" ", ENC_TOKEN.sub(" ", text)))
    for label, rx in finders():
        for m in rx.finditer(text):
            digits = re.sub(r"[^\dXx]", "", m.group(0))
            if label == "手机号" and digits[-11:] in allowed:
                continue
            if digits in PUBLIC_CODES:  # a 15-digit grid code reads like a first-generation ID number
                continue
            yield label, m.group(0)


def mask(value: str) -> str:
    from civicgrid.core.pii import redact

    return redact(value)


def scan_database(allowed: set[str]):
    from django.db import connection

    found = defaultdict(Counter)
    samples = {}
    values = 0
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        for table in tables:
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            cols = [d[0] for d in cur.description]
            for row in cur.fetchall():
                for col, v in zip(cols, row):
                    if isinstance(v, (bytes, memoryview)):
                        v = bytes(v).decode("utf-8", "ignore")
                    if not isinstance(v, str) or not v:
                        continue
                    values += 1
                    for label, hit in scan_text(v, allowed):
                        place = f"db:{table}.{col}"
                        found[place][label] += 1
                        samples.setdefault(place, mask(hit))
    return found, samples, values, len(tables)


def scan_files(var: Path, allowed: set[str], *, raw_db: bool, db_files: set[Path]):
    found = defaultdict(Counter)
    samples = {}
    n = 0
    if not var.is_dir():
        return found, samples, 0
    for path in sorted(var.rglob("*")):
        if not path.is_file():
            continue
        if path.resolve() in db_files and not raw_db:
            continue
        n += 1
        text = path.read_bytes().decode("utf-8", "ignore")
        for label, hit in scan_text(text, allowed):
            place = f"file:{path.relative_to(var)}"
            found[place][label] += 1
            samples.setdefault(place, mask(hit))
    return found, samples, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--var", default=os.environ.get("CIVICGRID_VAR_DIR", "var"))
    ap.add_argument("--raw-db", action="store_true", help="also read the SQLite file itself (free pages)")
    args = ap.parse_args(argv)
    setup()
    from django.conf import settings

    allowed = allowed_phones()
    PUBLIC_CODES.update(public_codes())
    db_files = set()
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        db_files = {Path(str(settings.DATABASES["default"]["NAME"])).resolve()}
        db_files |= {Path(str(p) + s).resolve() for p in list(db_files) for s in ("-wal", "-shm", "-journal")}
    db_found, db_samples, values, tables = scan_database(allowed)
    file_found, file_samples, files = scan_files(Path(args.var), allowed, raw_db=args.raw_db, db_files=db_files)
    found = {**db_found, **file_found}
    samples = {**db_samples, **file_samples}
    for place, counts in sorted(found.items()):
        print(f"{place}: " + "，".join(f"{k} {v} 处" for k, v in counts.items()) + f"（例：{samples[place]}）")
    total = sum(sum(c.values()) for c in found.values())
    print(json.dumps({"bench": "pd_grep", "tables": tables, "db_values": values, "files": files,
                      "staff_phones_allowed": len(allowed), "public_codes": len(PUBLIC_CODES), "findings": total,
                      "places": {p: dict(c) for p, c in sorted(found.items())}}, ensure_ascii=False))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
