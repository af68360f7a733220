"""Requests sent at the same moment, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def together(count: int, send: Callable[[int], tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Run `send(n)` for n in range(count) in threads released at the same moment."""
    answers: list[tuple[int, Any]] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait()
        answers.append(send(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
