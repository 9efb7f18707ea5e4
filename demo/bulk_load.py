"""Writing many rows at once for the bulk demo: PostgreSQL ``COPY`` (psycopg 3), or
``bulk_create`` on other databases (SQLite, where only correctness matters).

Rows are tuples in the order of the attribute names given (``company_id``, not
``company``), so a million of them fit in memory and stream into ``COPY`` as they are
made. Ids the seeder needs to link rows are reserved up front from the table's sequence.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, cast

from django.db import connection, models

Row = tuple[Any, ...]
BATCH = 2000


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


class Loader:
    """Loads rows into one database connection, counting them per model."""

    def __init__(self, *, copy: bool | None = None) -> None:
        """``copy``: use PostgreSQL's COPY (the default there); False forces INSERTs."""
        self.sequences = connection.vendor == "postgresql"
        self.postgres = self.sequences if copy is None else copy
        self.reserved: dict[str, int] = {}  # without sequences: the next free id per table
        self.counts: dict[str, int] = {}
        self.tables: list[str] = []

    def reserve(self, model: type[models.Model], count: int) -> int:
        """The first of ``count`` consecutive fresh ids of ``model``'s table."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.sequences:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [table, table, max(count, 1)],
                )
                return int(cursor.fetchone()[0]) - max(count, 1) + 1
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            first = max(int(cursor.fetchone()[0]) + 1, self.reserved.get(table, 0))
            self.reserved[table] = first + count
            return first

    def load(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Row]) -> int:
        """Insert ``rows`` (tuples of ``fields``, attribute names); returns how many."""
        count = (
            self._copy(model, fields, rows) if self.postgres else self._create(model, fields, rows)
        )
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + count
        if model._meta.db_table not in self.tables:
            self.tables.append(model._meta.db_table)
        return count

    def _copy(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Row]) -> int:
        opts = model._meta
        columns = ", ".join(_quote(str(_field(opts, f).column)) for f in fields)
        sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _create(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Row]) -> int:
        """Plain multi-row INSERTs: unlike ``bulk_create`` they keep the given timestamps
        (``auto_now`` would overwrite them); values are prepared by each field."""
        opts = model._meta
        model_fields = [_field(opts, f) for f in fields]
        columns = ", ".join(_quote(str(f.column)) for f in model_fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: E501
        count = 0
        with connection.cursor() as cursor:
            for batch in _batches(rows, BATCH):
                cursor.executemany(
                    sql,
                    [
                        [
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(model_fields, row, strict=True)
                        ]
                        for row in batch
                    ],
                )
                count += len(batch)
        return count

    @contextmanager
    def indexes_deferred(self, models_: Sequence[type[models.Model]]) -> Iterator[None]:
        """On PostgreSQL, load ``models_``' tables without their secondary indexes, unique
        and foreign-key constraints, then build them again from their own definitions
        (``pg_get_indexdef`` / ``pg_get_constraintdef``): one index build and one check of
        each constraint over the whole table, instead of one per row (what pg_restore
        does). Inside the caller's transaction, so a failure leaves the schema as it was;
        the tables are locked until it commits."""
        if not self.postgres:
            yield
            return
        tables = [m._meta.db_table for m in models_]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid = ANY(%s::text[]::regclass[]) "
                "AND contype IN ('f', 'u') ORDER BY contype, conname",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                # Partial indexes stay: rebuilt from their definition, a predicate reads
                # back in another (equivalent) spelling than the migration's.
                "WHERE indrelid = ANY(%s::text[]::regclass[]) AND NOT indisprimary "
                "AND indpred IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
                "AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _, _ in constraints:  # foreign keys first ('f' < 'u')
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for table, name, _, definition in reversed(constraints):  # unique ones first
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {definition}")

    def analyze(self, *also: type[models.Model]) -> None:
        """Fresh planner statistics for every table loaded and ``also`` (PostgreSQL);
        outside a transaction also VACUUM, which sets the visibility map that index-only
        scans need and drops the dead row versions triggers left."""
        if not self.postgres or not self.tables:
            return
        tables = [*self.tables, *(m._meta.db_table for m in also)]
        command = "ANALYZE " if connection.in_atomic_block else "VACUUM ANALYZE "
        with connection.cursor() as cursor:
            cursor.execute(command + ", ".join(map(connection.ops.quote_name, tables)))


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _field(opts: Any, attname: str) -> models.Field:
    for field in opts.concrete_fields:
        if field.attname == attname:
            return cast(models.Field, field)
    raise LookupError(f"{opts.label} has no column {attname!r}")
