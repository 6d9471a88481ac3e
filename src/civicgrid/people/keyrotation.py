"""Re-encrypting every EncryptedTextField column under the current first key.

Procedure (also in the README): generate a key (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`), set CIVICGRID_DATA_KEYS="NEW,OLD" everywhere (app servers and
workers) and restart, run `civicgrid rotate-data-key`, then set CIVICGRID_DATA_KEYS="NEW" and restart.
Between the steps both keys decrypt, so the service never stops. The lookup hashes use a separate
key (CIVICGRID_LOOKUP_KEY) and are untouched.
"""
from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction

from civicgrid.core.crypto import EncryptedTextField, fernet, rotate_token, PREFIX

BATCH = 1000


def encrypted_columns() -> list[tuple[type, str, str]]:
    """(model, table, column) for every encrypted personal-data field the apps' manifests declare.

    tests/core/test_manifest.py fails when an EncryptedTextField is not declared, so this list and the
    models cannot drift apart."""
    from civicgrid.core.manifest import each

    out = []
    for _m, pf in each("personal_data"):
        if not pf.encrypted:
            continue
        model = apps.get_model(pf.model)
        f = model._meta.get_field(pf.field)
        if not isinstance(f, EncryptedTextField):
            raise TypeError(f"{pf.model}.{pf.field} is declared encrypted but is a {type(f).__name__}")
        out.append((model, model._meta.db_table, f.column))
    return out


def encrypted_fields_in_models() -> list[tuple[type, str, str]]:
    """(model, table, column) for every EncryptedTextField in every installed app (the check's side)."""
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                out.append((model, model._meta.db_table, f.column))
    return out


def rotate_all(stdout=None) -> dict[str, int]:
    """Rotate every ciphertext; returns {"table.column": rows rewritten}. Idempotent, resumable."""
    qn = connection.ops.quote_name
    counts = {}
    for model, table, column in encrypted_columns():
        pk = qn(model._meta.pk.column)
        n, last = 0, None
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                where = f"{qn(column)} <> ''" + (f" AND {pk} > %s" if last is not None else "")
                cur.execute(f"SELECT {pk}, {qn(column)} FROM {qn(table)} WHERE {where} ORDER BY {pk} LIMIT {BATCH}",
                            [last] if last is not None else [])
                rows = cur.fetchall()
                if not rows:
                    break
                updates = [(rotate_token(token), key) for key, token in rows if token and token.startswith(PREFIX)]
                cur.executemany(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {pk} = %s", updates)
                n += len(updates)
                last = rows[-1][0]
        counts[f"{table}.{column}"] = n
        if stdout is not None:
            stdout.write(f"{table}.{column}: {n}")
    return counts


def undecryptable_with_first_key() -> int:
    """How many ciphertexts the first key alone cannot read (0 after a complete rotation)."""
    from cryptography.fernet import InvalidToken

    first = fernet()._fernets[0]
    qn = connection.ops.quote_name
    bad = 0
    for _model, table, column in encrypted_columns():
        with connection.cursor() as cur:
            cur.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")
            for (token,) in cur.fetchall():
                try:
                    first.decrypt(token[len(PREFIX):].encode("ascii"))
                except InvalidToken:
                    bad += 1
    return bad
