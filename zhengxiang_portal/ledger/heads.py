"""The chain heads outside the database: an append-only file (and a log line) per new head.

X-Road's rule: no exchange without evidence that a database owner cannot rewrite. Each committed
ledger entry appends one JSON line `{"seq", "hash", "at"}` to LEDGER_HEAD_LOG, each published
daily digest a line `{"digest", "last_seq", "head_hash", "signature"}`, and both go to the logger
`zhengxiang_portal.ledger.heads` (ship it to syslog / a log server). The operator keeps the file
where the database owner cannot write (another host, WORM storage, a log shipper); verify_ledger
then notices a truncated tail, a rewrite or a deleted digest by comparing the chain with it.

Written after commit (an entry rolled back leaves no line); lines are short single writes in
append mode, so several processes may append to one file. Order in the file does not matter.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger("zhengxiang_portal.ledger.heads")


def head_log_path() -> Path | None:
    path = getattr(settings, "LEDGER_HEAD_LOG", "")
    return Path(path) if path else None


def _append(record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    logger.info("ledger head %s", line)
    path = head_log_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def record_entry(*, seq: int, entry_hash: str, at: str) -> None:
    _append({"seq": seq, "hash": entry_hash, "at": at})


def record_digest(*, day: str, last_seq: int, head_hash: str, signature: str) -> None:
    _append({"digest": day, "last_seq": last_seq, "head_hash": head_hash, "signature": signature})


@dataclass
class HeadLog:
    """What the head log says: every recorded entry hash and every published digest."""

    entries: dict[int, str] = field(default_factory=dict)
    digests: dict[str, tuple[int, str]] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return max(self.entries, default=0)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


def read_head_log(path: Path | None = None) -> HeadLog:
    """Parse the head log (absent file: nothing recorded)."""
    path = path or head_log_path()
    log = HeadLog()
    if path is None or not path.exists():
        return log
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if "digest" in record:
                log.digests[str(record["digest"])] = (
                    int(record["last_seq"]),
                    str(record["head_hash"]),
                )
            else:
                log.entries[int(record["seq"])] = str(record["hash"])
        except (ValueError, KeyError, TypeError):
            log.bad_lines.append(number)
    return log
