"""Sign-in limits as deployed: a real gunicorn with 4 workers, guesses on both sign-in
endpoints (the web form and the token API), counters in the default store (the database),
in Redis, and with Redis gone (a dead port: the service falls back, it does not refuse).

The figure each test holds: wrong guesses that get a 401 (were really tried) for one
account from one address within a 15-minute window, whatever worker and endpoint answers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from checkin import create_app, db
from checkin.models import User
from checkin.services.people import accounts
from tests.conftest import _drop_postgres_database, _postgres_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LIMIT = 10  # LOGIN_LIMIT_PER_ACCOUNT's default: 10 per 15 minutes
RIGHT = "owner-right-secret-42"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, base: str, env: dict[str, str], usernames: list[str]) -> None:
        self.base = base
        self.env = env
        self.usernames = usernames

    def user(self) -> str:
        """An account of its own for each test (the server is shared)."""
        return self.usernames.pop()

    def token(self, username: str, password: str, address: str) -> requests.Response:
        return requests.post(f"{self.base}/api/v1/tokens", timeout=30,
                             json={"username": username, "password": password},
                             headers={"X-Forwarded-For": address})

    def form(self, username: str, password: str, address: str) -> requests.Response:
        browser = requests.Session()
        browser.headers["X-Forwarded-For"] = address
        page = browser.get(f"{self.base}/login", timeout=30)
        match = CSRF_RE.search(page.text)
        assert match, page.text[:300]
        return browser.post(f"{self.base}/login", timeout=30, allow_redirects=False,
                            data={"username": username, "password": password,
                                  "csrf_token": match.group(1)})

    def guess(self, n: int, username: str, address: str) -> int:
        """One wrong guess, on the web form for even n and the token API for odd n."""
        sign_in = self.form if n % 2 == 0 else self.token
        return sign_in(username, f"wrong-guess-{n}-xyz", address).status_code


def _serve(tmp_path: Path, storage: str | None, database_url: str) -> Iterator[Served]:
    env = {**os.environ, "CHECKIN_ENV": "production", "SECRET_KEY": "served-test-secret",
           "DATABASE_URL": database_url, "PHOTO_DIR": str(tmp_path / "photos"),
           "PROXY_HOPS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("RATELIMIT_STORAGE_URI", None)
    if storage is not None:
        env["RATELIMIT_STORAGE_URI"] = storage
    flask = [str(BIN / "flask"), "--app", "checkin"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    usernames = _accounts(database_url, 4)
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "4", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "--graceful-timeout", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/login", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.3)
        yield Served(base, env, usernames)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _accounts(database_url: str, how_many: int) -> list[str]:
    """Admins with the password RIGHT (scrypt, as served), named afresh for every run so that
    counters left in Redis by an earlier run do not count."""
    app = create_app({"DATABASE_URL": database_url, "CHECKIN_ENV": "testing",
                      "SECRET_KEY": "served-test-secret", "PASSWORD_HASH_METHOD": "scrypt"})
    names = ["u" + uuid.uuid4().hex[:10] for _ in range(how_many)]
    with app.app_context():
        session = db.session()
        digest = accounts.hash_password(RIGHT)
        session.add_all(User(username=name, name="Owner", role="admin", session_epoch=0,
                             active=True, password_hash=digest) for name in names)
        session.commit()
    app.extensions["checkin_engine"].dispose()
    return names


# (counters, database) -> RATELIMIT_STORAGE_URI (None: the default, the database)
STORES = {
    "database-sqlite": None,
    "redis-sqlite": "redis://127.0.0.1:6379/0",
    "redis-dead-sqlite": "redis://127.0.0.1:1/0",
    "redis-frozen-sqlite": "redis://127.0.0.1:{frozen}/0",
    "database-postgresql": None,
    "redis-dead-postgresql": "redis://127.0.0.1:1/0",
}


def _frozen_listener() -> socket.socket:
    """A port that accepts connections (the kernel does) and never answers: a hung Redis."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@pytest.fixture(scope="module", params=list(STORES))
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Served]:
    """One server per store; each test makes its own account, so tests share it."""
    if request.param.startswith("redis-sqlite") and not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    tmp_path = tmp_path_factory.mktemp(request.param)
    database_url: str | None = f"sqlite:///{tmp_path / 'served.db'}"
    name = f"checkin_served_{os.getpid()}"
    if request.param.endswith("postgresql"):
        database_url = _postgres_database(name)
        if database_url is None:
            pytest.skip("PostgreSQL is not reachable")
    assert database_url is not None
    try:
        with _frozen_listener() as frozen:
            storage = STORES[request.param]
            if storage is not None:
                storage = storage.format(frozen=frozen.getsockname()[1])
            yield from _serve(tmp_path, storage, database_url)
    finally:
        if request.param.endswith("postgresql"):
            _drop_postgres_database(name)


def test_sign_in_answers_fast_and_works_whatever_the_store(served: Served) -> None:
    """First in the module: with Redis frozen, this is each worker's first wait for it."""
    username = served.user()
    with ThreadPoolExecutor(max_workers=8) as pool:  # wake every worker (no counter is read)
        list(pool.map(lambda _: requests.get(f"{served.base}/login", timeout=30), range(8)))
    started = time.monotonic()
    assert served.token(username, RIGHT, "198.51.100.20").status_code == 201
    assert served.form(username, RIGHT, "198.51.100.20").status_code == 302
    took = time.monotonic() - started
    print(f"\ntwo right sign-ins (token, then the form with its page) took {took:.2f} s")
    assert took < 5.0  # a frozen Redis used to hold each sign-in 5 s, then answer 500


def test_wrong_guesses_per_account_hold_across_workers_and_both_endpoints(
        served: Served) -> None:
    username = served.user()
    attacker = "203.0.113.7"
    with ThreadPoolExecutor(max_workers=8) as pool:  # spread over the 4 workers
        statuses = list(pool.map(lambda n: served.guess(n, username, attacker), range(60)))
    assert set(statuses) <= {401, 429}, statuses
    tried = statuses.count(401)
    print(f"\nwrong guesses tried for one account from one address: {tried} of 60")
    assert tried == LIMIT, statuses


def test_the_owner_is_not_locked_out_by_guesses_from_elsewhere(served: Served) -> None:
    username = served.user()
    home = "198.51.100.20"
    assert served.token(username, RIGHT, home).status_code == 201  # its usual address
    statuses = [served.guess(n, username, "203.0.113.7") for n in range(LIMIT + 5)]
    assert statuses.count(401) == LIMIT and statuses[-1] == 429, statuses
    # The owner's right password still works on both endpoints, from its usual address.
    assert served.token(username, RIGHT, home).status_code == 201
    assert served.form(username, RIGHT, home).status_code == 302
