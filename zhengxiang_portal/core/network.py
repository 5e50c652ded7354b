"""The client's address, the one way every part of the portal reads it (logs, lockout, ledger).

X-Forwarded-For is believed only when the direct peer (REMOTE_ADDR) is one of
settings.TRUSTED_PROXIES; otherwise anyone could forge it and dodge the lockout or the audit trail.
"""

from __future__ import annotations

import contextvars
import ipaddress
from typing import Any

from django.conf import settings


def _parse(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[v6]:port"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "v4:port"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _trusted(address: str | None) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    for entry in getattr(settings, "TRUSTED_PROXIES", []) or []:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: Any) -> str | None:
    """Return the address of the client that made `request` (None if unknown).

    Walks X-Forwarded-For from the right, skipping trusted proxies, so a client cannot prepend a
    forged address: the first untrusted hop is the client.
    """
    if request is None:
        return None
    meta = getattr(request, "META", {})
    remote = _parse(meta.get("REMOTE_ADDR", "") or "")
    if not _trusted(remote):
        return remote
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in (_parse(p) for p in forwarded.split(",")) if h] if forwarded else []
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else remote


# The current request's client address, for audit entries written where no request is at hand
# (Django admin's LogEntry, services). Set by SecurityGateMiddleware for each request.
current_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_client_ip", default=None
)
