"""The worker's error codes (src/errors.ts), as the backfill raises and reports them."""

from __future__ import annotations


class BackfillError(Exception):
    """An error with the worker's stable `IW_*` code; `retriable` as the worker defines it."""

    def __init__(self, code: str, message: str, retriable: bool = False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retriable = retriable
