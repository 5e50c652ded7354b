"""Credential stuffing: growing delays per account across addresses, per address across accounts.

django-axes locks the pair (account, address) after AXES_FAILURE_LIMIT failures. An attacker with
many addresses, or one address and many accounts, stays under that. So, counted from the audit
trail's failed logins (LedgerAction.LOGIN_FAILED) within LOGIN_THROTTLE_WINDOW_MINUTES:

- an account with LOGIN_ACCOUNT_FREE_FAILURES failures or more, from any addresses, and
- an address with LOGIN_ADDRESS_FREE_FAILURES failures or more, on any accounts,

must wait after its last failure: 2 s, then twice as long per further failure, at most
LOGIN_THROTTLE_MAX_DELAY_SECONDS. A delay, not a lock: the owner gets in once it has passed, and
attempts during it are refused without looking at the password (they are audited, not counted),
so an attacker gains one guess per delay and cannot make the wait longer than the maximum.
Regulation: 等保 2.0 8.1.4.1 (login failure handling), Art. 24 (data security).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

ACCOUNT = "account"
ADDRESS = "address"
_FIRST_DELAY_S = 2


@dataclass(frozen=True)
class Throttle:
    scope: str  # ACCOUNT or ADDRESS
    key: str  # the username or the address
    failures: int
    until: dt.datetime

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


def _delay(failures: int, free: int) -> dt.timedelta | None:
    if failures < free:
        return None
    cap = settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS
    exponent = min(failures - free, 30)  # 2**30 s is far beyond any cap
    return dt.timedelta(seconds=min(cap, _FIRST_DELAY_S * 2**exponent))


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_THROTTLE_WINDOW_MINUTES)


def _recent_failures():
    # Password failures carry the username; a wrong second-factor code does not count here.
    return LedgerEntry.objects.filter(
        action=LedgerAction.LOGIN_FAILED,
        created_at__gte=_window_start(),
        details__has_key="username",
    )


def _resets() -> dict[str, dt.datetime]:
    """When the security admin last lifted each account's lockout (解除登录锁定) in the window."""
    rows = LedgerEntry.objects.filter(
        action=LedgerAction.ACCOUNT,
        details__event="lockout_reset",
        created_at__gte=_window_start(),
    ).values_list("target_repr", "created_at")
    latest: dict[str, dt.datetime] = {}
    for username, at in rows:
        latest[username] = max(at, latest.get(username, at))
    return latest


def _throttle(scope: str, key: str, failures: int, last: dt.datetime | None) -> Throttle | None:
    free = (
        settings.LOGIN_ACCOUNT_FREE_FAILURES
        if scope == ACCOUNT
        else settings.LOGIN_ADDRESS_FREE_FAILURES
    )
    delay = _delay(failures, free)
    if delay is None or last is None:
        return None
    return Throttle(scope=scope, key=key, failures=failures, until=last + delay)


def login_throttle(*, username: str, ip: str | None) -> Throttle | None:
    """The delay this login attempt must still wait, or None (checked before the password)."""

    now = timezone.now()
    recent = _recent_failures()
    account_rows = recent.filter(details__username=username)
    reset = _resets().get(username)
    if reset is not None:  # the security admin lifted it: earlier failures no longer count
        account_rows = account_rows.filter(created_at__gt=reset)
    checks = [(ACCOUNT, username, account_rows)]
    if ip:
        checks.append((ADDRESS, ip, recent.filter(ip_address=ip)))
    for scope, key, rows in checks:
        if not key:
            continue
        agg = rows.aggregate(n=Count("pk"), last=Max("created_at"))
        throttle = _throttle(scope, key, agg["n"], agg["last"])
        if throttle is not None and throttle.until > now:
            return throttle
    return None


def login_throttle_list() -> list[Throttle]:
    """Every account and address that meets a delay within the window (for the security admin).

    One query: the window's failed logins and lifted lockouts together.
    """

    rows = LedgerEntry.objects.filter(created_at__gte=_window_start()).filter(
        Q(action=LedgerAction.LOGIN_FAILED, details__has_key="username")
        | Q(action=LedgerAction.ACCOUNT, details__event="lockout_reset")
    )
    resets: dict[str, dt.datetime] = {}
    failures = []
    for action, details, ip, at, label in rows.values_list(
        "action", "details", "ip_address", "created_at", "target_repr"
    ):
        if action == LedgerAction.ACCOUNT:
            resets[label] = max(at, resets.get(label, at))
        else:
            failures.append((str(details.get("username", "")), ip or "", at))
    counts: dict[tuple[str, str], list] = defaultdict(lambda: [0, None])
    for username, ip, at in failures:
        lifted = username in resets and at <= resets[username]
        for key in ((ACCOUNT, "" if lifted else username), (ADDRESS, ip)):
            if key[1]:
                slot = counts[key]
                slot[0] += 1
                slot[1] = at if slot[1] is None or at > slot[1] else slot[1]
    found = [_throttle(scope, key, n, last) for (scope, key), (n, last) in counts.items()]
    return sorted((t for t in found if t is not None), key=lambda t: (t.scope, -t.failures))
