#!/usr/bin/env python3
"""Re-verify a ledger (台账) slice exported from the portal as CSV, without the portal.

Pure Python 3.11+, standard library only (Art. 22: 事后能追溯 — an auditor can check an export on
any machine). For every row it recomputes the entry hash from the hashed columns and compares
it with `entry_hash`; where two rows are consecutive in `seq` it checks that the later one's
`prev_hash` is the earlier one's `entry_hash`. A filtered slice has gaps in `seq`: they are
reported, and are errors only with `--contiguous`. `--anchor SEQ:HASH` checks an entry against
a printed daily digest (日摘要) of the chain head.

Keyed entries (`hash_algo` "hmac-sm3", issue 15) need the ledger key: the environment variable
LEDGER_HMAC_KEY or `--key-file` (the key's text, surrounding whitespace ignored). Once a keyed
entry appears, an unkeyed one after it is an error (forged without the key). `--head-log FILE`
compares the slice with the heads the portal recorded outside the database (LEDGER_HEAD_LOG):
a different hash is a rewrite; with `--contiguous`, a recorded head beyond the slice's end is a
truncated tail.

SM3 (GB/T 32905) is taken from hashlib when the local OpenSSL has it, else computed here.

Usage: python verify_ledger_export.py export.csv [--contiguous] [--anchor 1234:abcd…]
       [--key-file KEY] [--head-log ledger-heads.log]
Exit status: 0 intact, 1 a bad row (named on stderr), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import json
import os
import struct
import sys
from collections.abc import Iterable

GENESIS_HASH = "0" * 64
KEYED_PREFIX = "hmac-"
HASHED_COLUMNS = [
    "seq",
    "created_at",
    "category",
    "action",
    "outcome",
    "actor_id",
    "actor_label",
    "unit_id",
    "target_type",
    "target_id",
    "target_repr",
    "digest",
    "details",
    "ip_address",
    "hash_algo",
    "prev_hash",
]
INT_OR_NONE = {"actor_id", "unit_id"}


# --- SM3 (GB/T 32905-2016), used only when hashlib lacks it ------------------------------
_IV = (
    0x7380166F,
    0x4914B2B9,
    0x172442D7,
    0xDA8A0600,
    0xA96F30BC,
    0x163138AA,
    0xE38DEE4D,
    0xB0FB0E4E,
)
_M = 0xFFFFFFFF


def _rol(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M


def _p0(x: int) -> int:
    return x ^ _rol(x, 9) ^ _rol(x, 17)


def _p1(x: int) -> int:
    return x ^ _rol(x, 15) ^ _rol(x, 23)


def sm3_hex(data: bytes) -> str:
    """SM3 digest of `data` as lowercase hex (pure Python)."""
    length = len(data) * 8
    data += b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack(">Q", length)
    v = list(_IV)
    for offset in range(0, len(data), 64):
        w = list(struct.unpack(">16I", data[offset : offset + 64]))
        for j in range(16, 68):
            w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rol(w[j - 3], 15)) ^ _rol(w[j - 13], 7) ^ w[j - 6])
        w1 = [w[j] ^ w[j + 4] for j in range(64)]
        a, b, c, d, e, f, g, h = v
        for j in range(64):
            t = 0x79CC4519 if j < 16 else 0x7A879D8A
            ss1 = _rol((_rol(a, 12) + e + _rol(t, j)) & _M, 7)
            ss2 = ss1 ^ _rol(a, 12)
            if j < 16:
                ff, gg = a ^ b ^ c, e ^ f ^ g
            else:
                ff, gg = (a & b) | (a & c) | (b & c), (e & f) | (~e & g)
            tt1 = (ff + d + ss2 + w1[j]) & _M
            tt2 = (gg + h + ss1 + w[j]) & _M
            d, c, b, a = c, _rol(b, 9), a, tt1
            h, g, f, e = g, _rol(f, 19), e, _p0(tt2)
        v = [x ^ y for x, y in zip(v, (a, b, c, d, e, f, g, h), strict=True)]
    return "".join(f"{x:08x}" for x in v)


def hash_hex(algorithm: str, data: bytes, key: bytes = b"") -> str:
    if algorithm.startswith(KEYED_PREFIX):
        return hmac_hex(algorithm.removeprefix(KEYED_PREFIX), key, data)
    try:
        return hashlib.new(algorithm, data).hexdigest()
    except ValueError:
        if algorithm == "sm3":
            return sm3_hex(data)
        raise


def hmac_hex(algorithm: str, key: bytes, data: bytes) -> str:
    """HMAC (RFC 2104) with hashlib's algorithm, or with the SM3 here (block size 64 bytes)."""
    try:
        return hmac.new(key, data, algorithm).hexdigest()
    except ValueError:
        if algorithm != "sm3":
            raise
    if len(key) > 64:
        key = bytes.fromhex(sm3_hex(key))
    key = key.ljust(64, b"\x00")
    inner = bytes.fromhex(sm3_hex(bytes(b ^ 0x36 for b in key) + data))
    return sm3_hex(bytes(b ^ 0x5C for b in key) + inner)


def read_head_log(path: str) -> dict[int, str]:
    """The entry heads of a LEDGER_HEAD_LOG file, {seq: hash} (digest lines are skipped)."""
    heads: dict[int, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if "seq" in record:
                    heads[int(record["seq"])] = str(record["hash"])
    return heads


# --- rebuilding an entry from its row ------------------------------------------------------
def unneutralise(value: str) -> str:
    """Undo the export's formula-injection guard (exactly one leading apostrophe)."""
    return value[1:] if value.startswith("'") else value


def canonical_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_fields(row: dict[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for column in HASHED_COLUMNS:
        raw = unneutralise(row[column])
        if column == "seq":
            fields[column] = int(raw)
        elif column in INT_OR_NONE:
            fields[column] = int(raw) if raw else None
        elif column == "details":
            fields[column] = json.loads(raw) if raw else {}
        elif column == "ip_address":
            fields[column] = raw or None
        else:
            fields[column] = raw
    return fields


def verify_rows(
    rows: Iterable[dict[str, str]],
    *,
    contiguous: bool = False,
    anchors: dict[int, str] | None = None,
    key: bytes = b"",
    heads: dict[int, str] | None = None,
) -> tuple[bool, int, str]:
    """Return (ok, rows checked, message); the message names the first bad entry."""
    anchors = dict(anchors or {})
    heads = heads or {}
    keyed_seen = False
    prev_seq: int | None = None
    prev_hash = ""
    gaps = 0
    checked = 0
    for row in rows:
        fields = entry_fields(row)
        seq = int(fields["seq"])  # type: ignore[call-overload]
        entry_hash = unneutralise(row["entry_hash"])
        payload = canonical_json(fields).encode("utf-8")
        algorithm = str(fields["hash_algo"])
        if algorithm.startswith(KEYED_PREFIX):
            if not key:
                return False, checked, f"entry #{seq}: keyed; give the key (LEDGER_HMAC_KEY)"
            keyed_seen = True
        elif keyed_seen:
            return False, checked, f"entry #{seq}: unkeyed after the keyed epoch (forged)"
        if hash_hex(algorithm, payload, key) != entry_hash:
            return False, checked, f"entry #{seq}: content altered (hash does not match)"
        if seq in heads and heads[seq] != entry_hash:
            return False, checked, f"entry #{seq}: rewritten (differs from the head log)"
        if prev_seq is not None and seq <= prev_seq:
            return False, checked, f"entry #{seq}: out of order after #{prev_seq}"
        if prev_seq is not None and seq == prev_seq + 1:
            if fields["prev_hash"] != prev_hash:
                return False, checked, f"entry #{seq}: broken link to #{prev_seq}"
        elif prev_seq is not None:
            gaps += 1
            if contiguous:
                return False, checked, f"entry #{prev_seq + 1}: missing from the slice"
        if seq == 1 and fields["prev_hash"] != GENESIS_HASH:
            return False, checked, "entry #1: does not start from the genesis hash"
        if seq in anchors and anchors.pop(seq) != entry_hash:
            return False, checked, f"entry #{seq}: differs from the published digest"
        prev_seq, prev_hash = seq, entry_hash
        checked += 1
    if anchors:
        missing = ", ".join(f"#{s}" for s in sorted(anchors))
        return False, checked, f"anchor entries not in the slice: {missing}"
    last_head = max(heads, default=0)
    if contiguous and last_head > (prev_seq or 0):
        return False, checked, f"truncated tail: the head log records #{last_head}"
    note = f" ({gaps} gap(s) in seq: a filtered slice)" if gaps else ""
    return True, checked, f"{checked} entries verified{note}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_file")
    parser.add_argument("--contiguous", action="store_true", help="a gap in seq is an error")
    parser.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH")
    parser.add_argument("--key-file", help="file holding the ledger key (else LEDGER_HMAC_KEY)")
    parser.add_argument("--head-log", help="the portal's LEDGER_HEAD_LOG file (or a copy)")
    args = parser.parse_args(argv)
    try:
        anchors = {int(s): h.strip().lower() for s, _, h in (a.partition(":") for a in args.anchor)}
        if args.key_file:
            with open(args.key_file, encoding="utf-8") as handle:
                key = handle.read().strip().encode("utf-8")
        else:
            key = os.environ.get("LEDGER_HMAC_KEY", "").encode("utf-8")
        heads = read_head_log(args.head_log) if args.head_log else {}
        with open(args.csv_file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [
                c for c in [*HASHED_COLUMNS, "entry_hash"] if c not in (reader.fieldnames or [])
            ]
            if missing:
                print(f"not a ledger export: missing columns {missing}", file=sys.stderr)
                return 2
            ok, _checked, message = verify_rows(
                reader, contiguous=args.contiguous, anchors=anchors, key=key, heads=heads
            )
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot read the export: {exc}", file=sys.stderr)
        return 2
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
