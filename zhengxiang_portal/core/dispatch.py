"""Send Celery tasks only after the transaction commits, and never fail the user for a broker.

The database is the source of truth: each task's work is also recorded as a state in the
database (a submission "received", a notification "pending", a deadline due), and a periodic
sweep re-sends what a broker outage swallowed. So a task that cannot be published is logged and
left to the sweep — the request that created the work still succeeds.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def send_task_now(task: Any, **kwargs: Any) -> bool:
    """Publish `task` with keyword arguments; False (logged) if the broker is unreachable."""
    try:
        task.apply_async(kwargs=kwargs)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.warning("broker unavailable, %s left for the sweep: %s", task.name, exc)
        return False
    return True


def enqueue_on_commit(task: Any, **kwargs: Any) -> None:
    """Publish `task` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: send_task_now(task, **kwargs))
