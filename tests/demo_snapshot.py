"""The demo data set, seeded once per test process and copied back for each test that uses it.

`manage.py seed_demo` takes seconds (every unit, account, catalog item, obligation, request and
score goes through the services, ledger entries included); about a hundred tests start from it.
On PostgreSQL the first test that asks for the demo seeds it for real, then the whole database —
every table, not only the ones the seed wrote, so content-type and permission ids stay consistent
— is copied out with `COPY … TO STDOUT (FORMAT BINARY)`, with the files the seed stored under
MEDIA_ROOT and the e-mails it sent. Each later test gets exactly that state back: TRUNCATE of
every table, then `COPY … FROM STDIN`, inside the test's own transaction (rolled back at its end)
or committed for a transactional test (flushed at its end, as before).

A snapshot is reused only under the same conditions it was taken in: the same kind of test
(inside a transaction the seed's on-commit work never runs; in a transactional test it does), the
same local day (the demo's obligations and deadlines are relative to today), the same language
and the same settings (MEDIA_ROOT aside, whose files are copied). Anything else seeds afresh.
On SQLite (the local default) every test seeds, as it always did.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

# Settings whose value differs from test to test without changing what the seed writes.
_VOLATILE_SETTINGS = {"MEDIA_ROOT", "EMAIL_FILE_PATH"}
# Tables whose trigger refuses DELETE (ledger migrations 0002, 0003): emptied with TRUNCATE.
_APPEND_ONLY = {"ledger_ledgerentry", "ledger_ledgerdailydigest"}
# Tables whose rows' parent is checked at the end of each statement, not deferred to COMMIT
# (sharing_catalog migration 0010): loaded after every other table.
_LOADED_LAST = {"sharing_catalog_record"}


@dataclass
class Snapshot:
    tables: list[tuple[str, bytes]]  # (table, COPY binary data) of every non-empty table
    sequences: list[tuple[str, int]]  # (sequence, highest id the snapshot holds)
    media: dict[str, bytes] = field(default_factory=dict)  # files the seed stored, by path
    outbox: list = field(default_factory=list)  # e-mails the seed sent
    process: ProcessState | None = None  # what the seed left in this process's caches


@dataclass
class ProcessState:
    """The caches a real seed leaves warm, so a test sees the same query counts after a copy.

    Content types by natural key (their ids come from the copied tables), the local-memory
    cache's entries with the time they had left, the per-process authorisation snapshots with
    their age.
    """

    content_types: set[tuple[str, str]]
    cache_entries: list[tuple[str, bytes, float | None]]
    authz: list[tuple[tuple, object, float]]

    @classmethod
    def capture(cls) -> ProcessState:
        from agencies import authz

        cached = ContentType.objects._cache.get(connection.alias, {})
        now, mono = time.time(), time.monotonic()
        entries = []
        if hasattr(cache, "_cache"):  # the local-memory backend (the test settings' default)
            with cache._lock:
                for key, value in cache._cache.items():
                    expires = cache._expire_info.get(key)
                    entries.append((key, value, None if expires is None else expires - now))
        with authz._lock:
            snapshots = [(key, snap, mono - snap.read_at) for key, snap in authz._snapshots.items()]
        return cls(
            content_types={key for key in cached if isinstance(key, tuple)},
            cache_entries=entries,
            authz=snapshots,
        )

    def apply(self) -> None:
        from agencies import authz

        for content_type in ContentType.objects.all():
            if (content_type.app_label, content_type.model) in self.content_types:
                ContentType.objects._add_to_cache(connection.alias, content_type)
        now, mono = time.time(), time.monotonic()
        if hasattr(cache, "_cache"):
            with cache._lock:
                for key, value, left in self.cache_entries:
                    cache._cache[key] = value
                    cache._expire_info[key] = None if left is None else now + left
        with authz._lock:
            for key, snap, age in self.authz:
                authz._snapshots[key] = dataclasses.replace(snap, read_at=mono - age)


_snapshots: dict[tuple, Snapshot] = {}


def _key(transactional: bool) -> tuple:
    values = "\n".join(
        f"{name}={getattr(settings, name)!r}"
        for name in sorted(dir(settings))
        if name.isupper() and name not in _VOLATILE_SETTINGS
    )
    return (
        transactional,
        timezone.localdate(),
        translation.get_language(),
        hashlib.sha256(values.encode()).hexdigest(),
    )


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _sequences(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, sequence) of every serial or identity column of `tables`."""
    cursor.execute(
        "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE c.relkind = 'r' AND c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped",
        [tables],
    )
    return [(t, col, seq) for t, col, seq in cursor.fetchall() if seq]


def _media_files() -> dict[str, tuple[int, int]]:
    """Every file under MEDIA_ROOT: (size, modification time), to tell what the seed wrote."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return {}
    files = {}
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


def _take(media_before: dict[str, tuple[int, int]], outbox_before: int) -> Snapshot:
    tables = _tables()
    copied: list[tuple[str, bytes]] = []
    highest: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})")  # noqa: S608
            if not cursor.fetchone()[0]:
                continue
            with raw.copy(f"COPY {quoted} TO STDOUT (FORMAT BINARY)") as out:
                copied.append((table, b"".join(bytes(chunk) for chunk in out)))
        for table, column, sequence in _sequences(cursor, tables):
            cursor.execute(
                f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) "  # noqa: S608
                f"FROM {connection.ops.quote_name(table)}"
            )
            highest.append((sequence, int(cursor.fetchone()[0])))
    root = Path(settings.MEDIA_ROOT)
    media = {
        path: (root / path).read_bytes()
        for path, stamp in _media_files().items()
        if media_before.get(path) != stamp
    }
    outbox = list(getattr(mail, "outbox", [])[outbox_before:])
    return Snapshot(
        tables=copied,
        sequences=highest,
        media=media,
        outbox=outbox,
        process=ProcessState.capture(),
    )


def _row_counts(cursor, tables: list[str]) -> tuple[tuple[str, int], ...]:
    """Rows per table, in one query: what the database holds before the seed."""
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}"  # noqa: S608
            for t in tables
        )
    )
    return tuple(sorted(cursor.fetchall()))


def _restore(snapshot: Snapshot, counts: tuple[tuple[str, int], ...]) -> None:
    """Replace every table's rows by the snapshot's (the database matched the seed's start)."""
    holding = {table for table, n in counts if n} | {table for table, _ in snapshot.tables}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in sorted(holding):
            quoted = connection.ops.quote_name(table)
            if table in _APPEND_ONLY:
                cursor.execute(f"TRUNCATE {quoted} CASCADE")  # its trigger refuses DELETE
            else:
                cursor.execute(f"DELETE FROM {quoted}")  # noqa: S608 (foreign keys: deferred)
        raw = cursor.cursor
        for table, data in sorted(snapshot.tables, key=lambda t: t[0] in _LOADED_LAST):
            quoted = connection.ops.quote_name(table)
            with raw.copy(f"COPY {quoted} FROM STDIN (FORMAT BINARY)") as into:
                into.write(data)
        # Sequences never go back: ids handed out before stay unused (sequences ignore rollback).
        # (Names from pg_get_serial_sequence, numbers from MAX(): nothing user-given.)
        setvals = [
            f"setval('{seq}', GREATEST({top}, (SELECT last_value FROM {seq})))"  # noqa: S608
            for seq, top in snapshot.sequences
        ]
        if setvals:
            cursor.execute("SELECT " + ", ".join(setvals))
    root = Path(settings.MEDIA_ROOT)
    for path, data in snapshot.media.items():
        target = root / path
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    if hasattr(mail, "outbox"):
        mail.outbox.extend(copy.deepcopy(snapshot.outbox))


def forget_derived_state() -> None:
    """Drop what the process remembers of the database it no longer matches."""
    from agencies.authz import clear_process_cache

    ContentType.objects.clear_cache()  # the snapshot's content-type ids may differ from before
    cache.clear()
    clear_process_cache()


def load_demo(*, transactional: bool) -> None:
    """The demo data set in the test database, as `manage.py seed_demo` leaves it."""
    if connection.vendor != "postgresql":
        call_command("seed_demo", verbosity=0)
        return
    with connection.cursor() as cursor:
        counts = _row_counts(cursor, _tables())
    key = (*_key(transactional), counts)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        media_before = _media_files()
        outbox_before = len(getattr(mail, "outbox", []))
        call_command("seed_demo", verbosity=0)
        _snapshots[key] = _take(media_before, outbox_before)
        return
    _restore(snapshot, counts)
    forget_derived_state()
    if snapshot.process is not None:
        snapshot.process.apply()
