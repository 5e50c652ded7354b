"""The one error type services raise for a broken business rule."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule refused the action; `code` is machine-readable, `message` is translated text."""

    def __init__(self, *, code: str, message: Any, details: dict | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.details = details or {}
