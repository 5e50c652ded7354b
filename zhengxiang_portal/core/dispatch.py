"""Send Celery tasks only after the transaction commits, and never fail the user for a broker.

The database is the source of truth: each task's work is also recorded as a state in the
database (a submission "received", a notification "pending", a deadline due), and a periodic
sweep re-sends what a broker outage swallowed. So a task that cannot be published is logged and
left to the sweep — the request that created the work still succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def task_named(name: str) -> Any:
    """The Celery task registered as `name` (KeyError if none is).

    Services send their app's tasks by name, so a tasks module imports its services and never the
    other way round. Each app's AppConfig.ready imports its tasks module, so the name is known in
    every process (web and worker), and a renamed task fails loudly at its first send.
    """
    return current_app.tasks[name]


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


class _Once:
    """A pending after-commit call of `func`; `ran` once it has run."""

    def __init__(self, func: Callable[[], None]) -> None:
        self.func = func
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        self.func()


def on_commit_once(func: Callable[[], None]) -> None:
    """Run `func` once after the current transaction commits, however often it is asked.

    Many steps of one transaction that each ask for the same follow-up (e.g. "the facts changed,
    recompute the scores") coalesce into one callback. Django keeps the pending callbacks in
    `connection.run_on_commit` as (savepoint ids, func, robust); a callback discarded with a
    rolled-back savepoint is no longer there, so a later step registers it again (and one that
    already ran, e.g. captured and run by a test, no longer counts as pending).
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(pending, _Once) and pending.func is func and not pending.ran
        for _sids, pending, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Once(func))
