"""Password hashes for many new accounts at once, on every core.

scrypt costs ~0.14 s per hash here on purpose (werkzeug's n=2**15, r=8, p=1: what a
sign-in verifies against); a county's 1,520 new accounts are ~3.5 min on one core. The
cost is kept and the work spread over a pool of processes (spawned, so a threaded gunicorn
worker is never forked), which divides the time by the number of cores."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from flask import current_app, has_app_context
from werkzeug.security import generate_password_hash

# Fewer than this are hashed in the calling process: starting a pool costs about a second.
POOL_FROM = 24
CHUNK = 8


def method_in_use() -> str:
    """The hash method of this deployment (tests choose a cheaper one)."""
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
    return "scrypt"


def _hash(args: tuple[str, str]) -> str:
    password, method = args
    return generate_password_hash(password, method=method)


def workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def hash_many(passwords: list[str], method: str,
              progress: Callable[[int, int], None]) -> list[str]:
    """The hash of each password, in order; `progress(done, total)` as they come."""
    total = len(passwords)
    if total < POOL_FROM or workers() == 1:
        out = []
        for done, password in enumerate(passwords, 1):
            out.append(_hash((password, method)))
            if done % CHUNK == 0 or done == total:
                progress(done, total)
        return out
    out = []
    with ProcessPoolExecutor(max_workers=workers(), mp_context=get_context("spawn")) as pool:
        for done, digest in enumerate(pool.map(_hash, [(p, method) for p in passwords],
                                               chunksize=CHUNK), 1):
            out.append(digest)
            if done % CHUNK == 0 or done == total:
                progress(done, total)
    return out
