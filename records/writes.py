"""``locked_row`` and ``save_row``: lock, check the version, change the locked row, save it;
``save_rows`` for a derived write over many rows in one statement."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connections, models, router
from django.db.models import F
from django.utils import timezone

CONFLICT = "Someone else changed this first; reload and try again."


class EditConflict(Exception):
    """Someone changed the object since the caller read it; reload and retry (409)."""

    def __init__(self, detail: str = CONFLICT) -> None:
        super().__init__(detail)
        self.detail = detail


def check_version(row: models.Model, version: int | None, detail: str | None = None) -> None:
    """Refuse when the caller read ``version`` and the row has moved on since."""
    if version is not None and int(version) != row.version:  # type: ignore[attr-defined]
        raise EditConflict(
            detail
            or f"This {row._meta.verbose_name} was changed by someone else since you opened "
            "it; reload to see their changes, then try again."
        )


def locked_row[M: models.Model](
    model: type[M],
    pk: Any,
    *,
    version: int | None = None,
    related: Iterable[str] = (),
    conflict: str | None = None,
) -> M:
    """The row ``pk`` of ``model``, locked until the transaction ends; EditConflict when the
    caller's ``version`` is stale. Call inside ``transaction.atomic``."""
    queryset = model._default_manager.select_for_update(of=("self",))
    related = tuple(related)
    if related:
        queryset = queryset.select_related(*related)
    try:
        row = queryset.get(pk=pk)
    except model.DoesNotExist as error:  # type: ignore[attr-defined]
        raise EditConflict(conflict or "This was deleted meanwhile; reload.") from error
    check_version(row, version, conflict)
    return row


def save_row[M: models.Model](row: M, fields: Iterable[str]) -> M:
    """Save only ``fields`` of the locked ``row`` and bump its version (and ``updated_at``).

    The version is written as ``version + 1`` in SQL; the row is locked, so the new value
    is known without reading it back.
    """
    names = set(fields)
    concrete = {f.name for f in row._meta.concrete_fields}
    unknown = names - concrete
    if unknown:
        raise ValueError(f"Not fields of {type(row).__name__}: {sorted(unknown)}")
    if "updated_at" in concrete:
        names.add("updated_at")
    current = row.version  # type: ignore[attr-defined]
    row.version = F("version") + 1  # type: ignore[attr-defined]
    row.save(update_fields=sorted({*names, "version"}))
    row.version = current + 1  # type: ignore[attr-defined]
    return row


# Rows per UPDATE statement on SQLite: keeps one statement's parameters under its limit
# (32,766) for up to six fields. PostgreSQL takes one array per column, any number of rows.
ROWS_PER_STATEMENT = 4000


def _plain(values: Sequence[Any]) -> bool:
    """Numbers, dates, booleans and None only: what an array literal spells unquoted, and
    what the database takes as is (no field preparation to do)."""
    return all(
        value is None or (isinstance(value, bool | int | date) and not isinstance(value, datetime))
        for value in values
    )


def _array_literal(values: Sequence[Any]) -> str:
    """PostgreSQL's text form of an array of plain values (``{1,2,NULL}``): one string for
    the driver to send, rather than an adaptation per element (most of the time of a
    reschedule's write otherwise)."""
    spelled = []
    for value in values:
        if value is None:
            spelled.append("NULL")
        elif isinstance(value, bool):
            spelled.append("t" if value else "f")
        elif isinstance(value, date):
            spelled.append(value.isoformat())
        else:
            spelled.append(str(int(value)))
    return "{" + ",".join(spelled) + "}"


def save_rows(
    model: type[models.Model],
    rows: Sequence[Any],
    fields: Iterable[str],
    *,
    bump: Iterable[bool] = (),
) -> int:
    """Save ``fields`` of many locked ``rows`` of ``model`` in one statement: ``save_row``
    for a derived write over many rows, such as a reschedule. ``rows`` are instances, or
    any objects with their ``pk``, ``version`` and those fields (by attname). Each row's
    version is bumped (with ``updated_at``) when its entry in ``bump`` is true; all are
    bumped when ``bump`` is empty. The caller holds the lock that serialises writers of
    these fields (for a reschedule, the project's row). Returns the number of UPDATE
    statements run: one on PostgreSQL (``UPDATE ... FROM unnest(<an array per column>)``),
    one per 4,000 rows on SQLite (``UPDATE ... FROM (VALUES ...)``), none for no rows."""
    rows = list(rows)
    flags = list(bump) or [True] * len(rows)
    if len(flags) != len(rows):
        raise ValueError("Give one bump flag per row.")
    if not rows:
        return 0
    meta = model._meta
    concrete: dict[str, models.Field] = {f.name: f for f in meta.concrete_fields}
    names = list(dict.fromkeys(fields))
    unknown = set(names) - set(concrete)
    if unknown:
        raise ValueError(f"Not fields of {model.__name__}: {sorted(unknown)}")
    assert meta.pk is not None
    columns = [concrete[meta.pk.name], *(concrete[name] for name in names)]
    version, stamp = concrete["version"], concrete.get("updated_at")
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(meta.db_table)

    def quote(field: models.Field) -> str:
        assert field.column is not None
        return connection.ops.quote_name(field.column)

    bump_col = f"v.column{len(columns) + 1}"
    sets = [f"{quote(f)} = v.column{i + 1}" for i, f in enumerate(columns[1:], 1)]
    sets.append(f"{quote(version)} = {table}.{quote(version)} + {bump_col}")
    now = timezone.now()
    head: list[Any] = []
    if stamp is not None:
        sets.append(
            f"{quote(stamp)} = CASE WHEN {bump_col} = 1 THEN %s ELSE {table}.{quote(stamp)} END"
        )
        head = [stamp.get_db_prep_save(now, connection)]
    update = f"UPDATE {table} SET {', '.join(sets)} FROM {{source}} AS {{alias}} "
    update += f"WHERE {table}.{quote(columns[0])} = v.column1"

    def values(row: Any, flag: bool) -> list[Any]:
        return [
            columns[0].get_db_prep_save(row.pk, connection),
            *(f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns[1:]),
            int(flag),
        ]

    statements = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.cast_db_type(connection) for f in columns] + ["integer"]
            raw = [[row.pk for row in rows]]
            raw += [[getattr(row, f.attname) for row in rows] for f in columns[1:]]
            arrays = [
                _array_literal(col)
                if _plain(col)
                else [f.get_db_prep_save(value, connection) for value in col]
                for f, col in zip(columns, raw, strict=True)
            ]
            arrays.append(_array_literal([int(flag) for flag in flags]))
            source = "unnest(" + ", ".join(f"CAST(%s AS {t}[])" for t in types) + ")"
            alias = "v(" + ", ".join(f"column{i + 1}" for i in range(len(types))) + ")"
            cursor.execute(update.format(source=source, alias=alias), [*head, *arrays])
            statements = 1
        else:
            slots = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                chunk = range(start, min(start + ROWS_PER_STATEMENT, len(rows)))
                params = [*head, *(v for i in chunk for v in values(rows[i], flags[i]))]
                source = "(VALUES " + ", ".join([slots] * len(chunk)) + ")"
                cursor.execute(update.format(source=source, alias="v"), params)
                statements += 1
    for row, flag in zip(rows, flags, strict=True):
        if flag:
            row.version += 1
            if stamp is not None:
                setattr(row, stamp.attname, now)
    return statements
