"""Model fields for personal numbers: stored encrypted, found through a blind index.

``EncryptedTextField(kind=...)`` holds the clear value in Python (code that may see it
reads ``party.id_number`` as before; masking, reveal logging and the audit trail's masked
diff work unchanged) and a ``common.personal_data`` token in the database. A token is
different at every save, so the column itself is never compared: ``field=number`` compares
the row's ``BlindIndexField`` instead (kept up to date from the source field whenever the
row is saved), ``field=""`` and ``isnull`` the column; every other lookup (contains,
startswith, in) is refused rather than silently finding nothing. (Ordering by the column
orders by the tokens, which means nothing: do not.)
"""

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from common import personal_data


class EncryptedTextField(models.TextField):
    def __init__(self, *args, kind: str, **kwargs):
        personal_data.NORMALISERS[kind]  # noqa: B018 - refuse an unknown kind early
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return personal_data.decrypt(self.kind, value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return personal_data.encrypt(self.kind, value)

    def formfield(self, **kwargs):
        # One line, as the number is typed (a TextField would offer a text area).
        return super().formfield(**{"widget": forms.TextInput, **kwargs})

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _ExactByIndex
        if lookup_name == "isnull":
            return IsNull
        return None


class _ExactByIndex(Exact):
    """``field=""`` compares the column (no number); ``field=number`` compares the blind
    index of the same row instead, so ``Party.objects.filter(id_number=...)`` finds what
    the clear value would, through the index. A field without an index refuses it."""

    def get_prep_lookup(self):
        if self.rhs in ("", None) or hasattr(self.rhs, "resolve_expression"):
            return super().get_prep_lookup()
        return str(self.rhs)  # kept clear: as_sql hashes it

    def as_sql(self, compiler, connection):
        if self.rhs in ("", None) or hasattr(self.rhs, "resolve_expression"):
            return super().as_sql(compiler, connection)
        field = self.lhs.target
        index = blind_index_of(field)
        if index is None or not hasattr(self.lhs, "alias"):
            raise FieldError(
                f"{field.name} is encrypted and has no blind index: it cannot be compared."
            )
        sql, params = compiler.compile(index.get_col(self.lhs.alias))
        return f"{sql} = %s", [*params, personal_data.blind_index(field.kind, self.rhs)]


def blind_index_of(field) -> "BlindIndexField | None":
    for other in field.model._meta.concrete_fields:
        if isinstance(other, BlindIndexField) and other.source == field.name:
            return other
    return None


class BlindIndexField(models.CharField):
    """The blind index of another field of the same row, computed whenever the row is
    saved (also by bulk_create). ``Model.save(update_fields=[source])`` must name this
    field too; the model's save() does it."""

    def __init__(self, *args, source: str, kind: str, **kwargs):
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", personal_data.INDEX_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        for key, value in (
            ("max_length", personal_data.INDEX_LENGTH),
            ("blank", True),
            ("editable", False),
            ("default", ""),
        ):
            if kwargs.get(key) == value:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = personal_data.blind_index(self.kind, getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


# -- re-encrypting stored rows (the migration of clear values, key rotation) ----------
def encrypted_fields(model) -> list[tuple[EncryptedTextField, BlindIndexField | None]]:
    """A model's encrypted fields, each with the blind index that follows it (if any)."""
    fields = model._meta.concrete_fields
    indexes = {f.source: f for f in fields if isinstance(f, BlindIndexField)}
    return [(f, indexes.get(f.name)) for f in fields if isinstance(f, EncryptedTextField)]


def models_with_encrypted_fields(app_models) -> list:
    return [model for model in app_models if encrypted_fields(model)]


def reencrypt(
    model,
    *,
    using: str = "default",
    batch_size: int = 1000,
    max_batches: int | None = None,
    to_clear: bool = False,
    reindex: bool = False,
    after=None,
    progress=None,
) -> tuple[int, int]:
    """Bring every stored value of ``model``'s encrypted fields to the current cipher and
    key, in batches of ``batch_size`` rows, each committed on its own: a value in clear
    (rows from before encryption) is encrypted, one under another key re-encrypted, and
    its blind index written. ``to_clear`` does the reverse (the migration backwards).

    Resumable: only rows still to do are selected, so after a kill the next run goes on
    where this one stopped; a row changed meanwhile by the portal (already on the current
    key) is left as the portal wrote it. ``max_batches`` stops early (a deliberate
    interruption). ``progress(done, total, last_pk)`` is called after each batch.

    ``reindex`` recomputes the blind index of every row that has a value (after the index
    key changed); every row is selected then, so a run stopped halfway is resumed by
    passing the last primary key it reported as ``after``.
    Returns (rows rewritten, rows still to do when it stopped).
    """
    from django.db import connections, transaction

    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    pairs = encrypted_fields(model)
    columns = [quote(field.column) for field, _ in pairs]
    if to_clear:
        stale = " OR ".join(f"{c} LIKE %s" for c in columns)
        stale_params = [f"{personal_data.VERSION}:%"] * len(columns)
    elif reindex:
        stale = " OR ".join(f"{c} <> %s" for c in columns)
        stale_params = [""] * len(columns)
    else:
        stale = " OR ".join(f"({c} <> '' AND {c} NOT LIKE %s)" for c in columns)
        stale_params = [personal_data.current_prefix() + "%"] * len(columns)

    start = "" if after is None else f"{pk} > %s AND "
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE {start}({stale})",  # noqa: S608
            ([] if after is None else [after]) + stale_params,
        )
        total = cursor.fetchone()[0]

    done = batches = 0
    last = after
    while max_batches is None or batches < max_batches:
        after = "" if last is None else f"{pk} > %s AND "
        params = ([] if last is None else [last]) + stale_params + [batch_size]
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608
                f"WHERE {after}({stale}) ORDER BY {pk} LIMIT %s",
                params,
            )
            rows = cursor.fetchall()
            if not rows:
                break
            updates = [_rewritten(row, pairs, to_clear) for row in rows]
            sets = []
            for field, index in pairs:
                sets.append(f"{quote(field.column)} = %s")
                if index is not None:
                    sets.append(f"{quote(index.column)} = %s")
            unchanged = " AND ".join(f"{c} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} = %s AND {unchanged}",  # noqa: S608
                updates,
            )
        last = rows[-1][0]
        done += len(rows)
        batches += 1
        if progress is not None:
            progress(done, total, last)
    return done, total - done


def _rewritten(row, pairs, to_clear: bool) -> list:
    """The UPDATE's parameters for one selected row: new values (and indexes), the key,
    then the old values (so a row the portal changed meanwhile is not overwritten)."""
    pk, *old = row
    params = []
    for (field, index), stored in zip(pairs, old, strict=True):
        clear = stored
        if stored and personal_data.is_token(stored):
            clear = personal_data.decrypt(field.kind, stored)
        if to_clear:
            params.append(clear)
        elif stored and not personal_data.is_current(stored):
            params.append(personal_data.encrypt(field.kind, clear))
        else:
            params.append(stored)
        if index is not None:
            params.append("" if to_clear else personal_data.blind_index(field.kind, clear or ""))
    return [*params, pk, *old]
