"""The phone app in Chromium at 390x844: checking in and visiting with signal, then without it
(kept in IndexedDB, the pages served by the service worker), and each record reaching the
server exactly once when the network returns, with the time it was made."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Route
from sqlalchemy import func, select

from checkin import db
from checkin.domain.personal_data import mask
from checkin.models import Checkin, Household, Photo, Village, Visit
from checkin.photos.stores import photo_store
from tests.browser.helpers import PageLog, shot, sign_in
from tests.conftest import PASSWORD

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "photos"
INSIDE = {"latitude": 30.851, "longitude": 116.361, "accuracy": 12}  # village A, fence 1500 m
OUTSIDE = {"latitude": 30.95, "longitude": 116.36, "accuracy": 12}  # 11 km north

# The outbox as the page keeps it: [{id, kind, state, user, sizes: [photo bytes], error}].
OUTBOX_JS = """() => new Promise((resolve, reject) => {
    indexedDB.databases().then((all) => {
        if (!all.some((d) => d.name === 'checkin-outbox')) { resolve([]); return; }
        const open = indexedDB.open('checkin-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const db = open.result;
            const read = db.transaction('records').objectStore('records').getAll();
            read.onsuccess = () => {
                db.close();
                resolve(read.result.map((r) => ({id: r.id, kind: r.kind, state: r.state,
                    user: r.user, body: r.body, error: r.error || null,
                    sizes: (r.files || []).map((f) => f.blob.size),
                    types: (r.files || []).map((f) => f.blob.type)})));
            };
        };
    });
})"""


def photo(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"photo corpus not found at {CORPUS}")
    return path


def phone(new_context: Callable[..., BrowserContext], base: str,
          position: dict[str, float] = INSIDE, background_sync: bool = True) -> BrowserContext:
    """Chrome on a phone allows Background Sync unless the user turns it off (Playwright
    grants nothing by itself); without it (Safari, Firefox) the pages alone send."""
    context = new_context()
    wanted = ["geolocation", "background-sync"] if background_sync else ["geolocation"]
    context.grant_permissions(wanted, origin=base)
    context.set_geolocation(position)
    return context


def signed_in_page(context: BrowserContext, page_log: PageLog, base: str,
                   username: str = "cadre_a") -> Page:
    page = context.new_page()
    page_log.watch(page)
    sign_in(page, base, username, PASSWORD)
    return page


def ready_phone(new_context: Callable[..., BrowserContext], page_log: PageLog, base: str,
                background_sync: bool = True) -> tuple[BrowserContext, Page]:
    """A cadre's phone on the check-in page, with everything saved for use without signal."""
    context = phone(new_context, base, background_sync=background_sync)
    page = signed_in_page(context, page_log, base)
    page.goto(f"{base}/my/checkin")
    wait_until_ready_offline(page)
    return context, page


def go_offline(context: BrowserContext, page: Page) -> None:
    context.set_offline(True)
    page.wait_for_function("() => navigator.onLine === false")


def lose_the_answer(route: Route) -> None:
    """The server gets the request and stores it, and the phone hears nothing."""
    route.fetch()
    route.abort("internetdisconnected")


def wait_until_ready_offline(page: Page) -> None:
    """The service worker controls the page and has saved the cadre's pages."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                           timeout=15_000)
    page.wait_for_function("() => document.documentElement.dataset.warmed === 'yes'",
                           timeout=20_000)


def waiting(page: Page) -> int:
    """The outbox's count once the page has read the phone's records: offline.js sets
    data-waiting after an IndexedDB read that ends after the page's load, so right after a
    navigation the attribute is not there yet (and is not 0)."""
    page.wait_for_selector("#outbox[data-waiting]", state="attached")
    return int(page.locator("#outbox").get_attribute("data-waiting") or "")


def outbox(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(OUTBOX_JS)


def check_in(page: Page) -> None:
    page.locator("#locate").click()
    page.wait_for_function("() => document.getElementById('send').disabled === false")
    page.locator("#send").click()
    page.wait_for_function("""() => {
        const r = document.getElementById('result');
        return !r.hidden && /\\b(ok|bad|warn)\\b/.test(r.className);
    }""")


def record_visit(page: Page, base: str, photo_path: Path, which: int = 0,
                 on_form: Callable[[Page], None] | None = None) -> tuple[str, int]:
    """From my households, a household's visit form; returns the household's name and id.
    `on_form` looks at the form once it is ready, before it is filled in."""
    page.goto(f"{base}/my/households")
    row = page.locator("#households li[data-state]").nth(which)
    name = row.locator("strong").first.inner_text()
    link = row.locator("a.button")
    household_id = int((link.get_attribute("href") or "").rsplit("=", 1)[1])
    link.click()
    page.wait_for_url("**/my/visits/new?household=*")
    page.wait_for_function(
        "() => document.getElementById('position').classList.contains('ok')")
    if on_form is not None:
        on_form(page)
    page.locator('input[name="purposes"]').first.check()
    page.locator('textarea[name="note"]').fill("走访了解生产生活情况")
    page.locator('input[name="photos"]').set_input_files(str(photo_path))
    page.locator('#visit-form button[type="submit"]').click()
    # A visit saved with flags stays on the form to say them (issue 17, item 6); the cadre
    # then goes back to the list.
    for _ in range(300):
        if "/my/visits/new" not in page.url:
            break
        if page.locator("#visit-flags").is_visible():
            page.locator("#visit-flags a.button").first.click()
            break
        page.wait_for_timeout(100)
    page.wait_for_url("**/my/households", timeout=30_000)
    return name, household_id


def rows(app: Flask, model: Any, ids: list[str]) -> list[Any]:
    with app.app_context():
        session = db.session()
        found = session.scalars(select(model).where(model.id.in_(ids))).all()
        for row in found:
            session.expunge(row)
        return list(found)


def test_check_in_inside_and_outside_the_fence_and_a_visit_with_a_photo(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    context = phone(new_context, live_server)
    page = signed_in_page(context, page_log, live_server)
    page.goto(f"{live_server}/my/checkin")
    shot(page, "offline-checkin-before-zh")
    check_in(page)
    assert "ok" in page.locator("#result").get_attribute("class")
    assert "今天计入在岗天数" in page.locator("#result").inner_text()  # today counts
    shot(page, "offline-checkin-inside-zh")

    context.set_geolocation(OUTSIDE)
    page.locator("#locate").click()
    page.wait_for_function("() => document.getElementById('send').disabled === false")
    page.once("dialog", lambda dialog: dialog.accept())  # yes, send one that will not count
    page.locator("#send").click()
    page.wait_for_function(
        "() => document.getElementById('result').classList.contains('bad')")
    said = page.locator("#result").inner_text()
    assert "1500" in said, said  # the fence's radius, in the reason the server gives
    shot(page, "offline-checkin-outside-zh")

    with app.app_context():
        made = db.session().scalars(select(Checkin).where(Checkin.user_id == world["cadre_a"])
                                    .order_by(Checkin.received_at.desc()).limit(2)).all()
        outside, inside = made
        assert inside.counts_for_day and inside.in_fence and not inside.queued
        assert not outside.counts_for_day and not outside.in_fence
        assert "outside_fence" in outside.flag_list

    context.set_geolocation(INSIDE)
    record_visit(page, live_server, photo("gps/DSCN0010.jpg"))
    assert outbox(page) == [] and waiting(page) == 0
    with app.app_context():
        visit = db.session().scalars(select(Visit).where(Visit.user_id == world["cadre_a"])
                                     .order_by(Visit.received_at.desc())).first()
        [stored] = visit.photos
        assert visit.kind == "visit" and not visit.queued and visit.distance_m < 200
        # The phone shrank the photo (so the canvas dropped its EXIF) and sent what it read
        # from the original: the camera's time (2008) and its GPS position (Italy).
        assert stored.taken_at.year == 2008 and abs(stored.exif_lat - 43.47) < 0.1
        assert "exif_from_client" in stored.flag_list
        assert photo_store(app).exists(stored.sha256)
    shot(page, "offline-households-after-visit-zh")
    assert page_log.problems() == {}


def test_offline_records_wait_and_reach_the_server_exactly_once(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    with app.app_context():  # every household of the cadre's village gets a phone number
        session = db.session()
        for number, home in enumerate(session.scalars(
                select(Household).where(Household.village_id == world["va"]))):
            home.phone = f"1380000{number:04d}"
        session.commit()
    context, page = ready_phone(new_context, page_log, live_server)

    go_offline(context, page)
    check_in(page)
    assert "warn" in page.locator("#result").get_attribute("class")
    assert waiting(page) == 1
    big = photo("real/HMD_Nokia_8.3_5G.jpg")
    # The last household's form was never opened: the worker answers with the one saved
    # form, and the page fills in this household from the saved household list.
    shown: list[str] = []
    household, household_id = record_visit(
        page, live_server, big, which=-1,
        on_form=lambda form: shown.append(form.locator("#hh-phone").inner_text()
                                          if form.locator("#hh-phone").is_visible() else ""))
    with app.app_context():
        home = db.session().get(Household, household_id)
        whole = home.helper_id == world["cadre_a"]
    # From the saved list, as the server gave it to this cadre: whole to the household's own
    # helper (to call it), masked to the rest of the team (domain/personal_data.py).
    assert home.phone.startswith("1380000")
    assert shown[0] == (home.phone if whole else mask(home.phone)), shown
    assert waiting(page) == 2
    assert page.locator("#outbox-list li").count() == 2
    assert household in page.locator("#outbox-list").inner_text()
    shot(page, "offline-waiting-zh")

    kept = outbox(page)
    assert sorted(r["kind"] for r in kept) == ["checkin", "visit"]
    assert all(r["state"] == "pending" and r["body"]["queued"] is True for r in kept)
    [visit_record] = [r for r in kept if r["kind"] == "visit"]
    assert visit_record["body"]["household_id"] == household_id
    # 2.2 MB from the camera, a few hundred KB at most once shrunk on the phone.
    [size] = visit_record["sizes"]
    assert size < 400_000 and size < big.stat().st_size / 4, size
    assert visit_record["types"] == ["image/jpeg"]
    assert visit_record["body"]["photo_exif"][0]["taken_at"].startswith("20")

    # Reloaded without signal: the service worker serves the page and the records are there.
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert page.locator("h1").count() == 1 and waiting(page) == 2
    page.goto(f"{live_server}/my/checkin")
    assert page.locator("#locate").is_visible()
    ids = [r["id"] for r in kept]
    assert rows(app, Checkin, ids) == [] and rows(app, Visit, ids) == []

    time.sleep(1.5)  # so that "received later than recorded" is not a matter of milliseconds
    page_log.clear()  # what failed while offline was meant to
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '0'",
                           timeout=60_000)
    assert outbox(page) == []
    assert "1" in page.locator("#outbox-note").inner_text() or \
        "2" in page.locator("#outbox-note").inner_text()
    shot(page, "offline-sent-zh")

    [checkin] = rows(app, Checkin, ids)
    [visit] = rows(app, Visit, ids)
    assert visit.household_id == household_id
    for row in (checkin, visit):
        assert row.queued
        assert row.received_at > row.recorded_at, (row.received_at, row.recorded_at)
    with app.app_context():
        photos = db.session().scalars(select(Photo).where(Photo.visit_id == visit.id)).all()
        assert len(photos) == 1
        assert photo_store(app).exists(photos[0].sha256)
        assert photos[0].taken_at is not None  # the Nokia's EXIF time, read on the phone
    # Sending again (a second tab, a retry after a lost answer) changes nothing.
    page.reload()
    page.wait_for_load_state("networkidle")
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(Checkin)
                              .where(Checkin.id.in_(ids))) == 1
        assert session.scalar(select(func.count()).select_from(Visit)
                              .where(Visit.id.in_(ids))) == 1
    assert page_log.problems() == {}


def test_a_lost_answer_does_not_make_a_second_record(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    """The server stores a check-in but the answer never reaches the phone: the phone keeps it,
    sends it again later, and the server recognises it. The page sends it here (a browser
    without Background Sync), so that every answer is seen by the page."""
    context, page = ready_phone(new_context, page_log, live_server, background_sync=False)

    context.route("**/api/v1/checkins", lose_the_answer)
    check_in(page)
    assert "warn" in page.locator("#result").get_attribute("class")
    [kept] = outbox(page)
    assert len(rows(app, Checkin, [kept["id"]])) == 1
    context.unroute("**/api/v1/checkins", lose_the_answer)
    page_log.clear()

    page.locator("#outbox-send").click()
    page.wait_for_function(
        "() => document.getElementById('outbox').dataset.waiting === '0'")
    assert outbox(page) == []
    [row] = rows(app, Checkin, [kept["id"]])
    assert not row.queued  # the copy the server got first, live
    # The one answer that was not 2xx: the queued copy's 409, before the live copy's 200.
    assert page_log.error_responses == [f"409 POST {live_server}/api/v1/checkins"]
    assert page_log.page_errors == [] and page_log.foreign_requests == []


def test_refusals_are_shown_with_the_reason_and_errors_are_retried(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    # The page's own retries, step by step: a browser without Background Sync, whose
    # service worker would otherwise race the page to the server.
    context = phone(new_context, live_server, background_sync=False)
    page = signed_in_page(context, page_log, live_server)
    page.goto(f"{live_server}/my/checkin")
    page.wait_for_function("() => window.checkinSend !== undefined")
    go_offline(context, page)
    # One the server will refuse (made "an hour from now"), one it will take.
    made = page.evaluate("""() => {
        const later = new Date(Date.now() + 3600e3).toISOString();
        const now = new Date().toISOString();
        const a = {id: crypto.randomUUID(), lat: 30.851, lon: 116.361, accuracy_m: 10,
                   recorded_at: later};
        const b = {id: crypto.randomUUID(), lat: 30.851, lon: 116.361, accuracy_m: 10,
                   recorded_at: now};
        return window.checkinSend(a).then(() => window.checkinSend(b))
            .then(() => [a.id, b.id]);
    }""")
    refused_id, good_id = made
    assert waiting(page) == 2

    failures = {"left": 1}

    def server_down_once(route: Route) -> None:
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=503, json={"error": {"code": "unavailable",
                                                      "message": "down", "fields": {}}})
        else:
            route.continue_()

    context.route("**/api/v1/checkins", server_down_once)
    context.set_offline(False)
    # The first attempt (on `online`) meets a 503: both still wait; "Send now" tries again.
    for _ in range(100):
        if not failures["left"]:
            break
        page.wait_for_timeout(100)
    page.wait_for_function("() => !document.getElementById('outbox-send').disabled")
    assert waiting(page) == 2
    page.locator("#outbox-send").click()
    page.wait_for_function("() => document.getElementById('outbox').dataset.refused === '1' && "
                           "document.getElementById('outbox').dataset.waiting === '0'",
                           timeout=30_000)
    assert failures["left"] == 0
    assert len(rows(app, Checkin, [good_id])) == 1 and rows(app, Checkin, [refused_id]) == []
    item = page.locator(f'#outbox-list li[data-id="{refused_id}"]')
    reason = item.locator(".outbox-why").inner_text()
    # The server's own sentence, in the page's language (Chinese: the phone's locale).
    assert "分钟" in reason and "min" not in reason, reason
    shot(page, "offline-refused-zh")

    page.once("dialog", lambda dialog: dialog.accept())
    item.locator("button").click()
    page.wait_for_function(
        "() => document.getElementById('outbox').dataset.refused === '0'")
    assert outbox(page) == []
    page_log.clear()


def test_signing_out_warns_and_clears_the_phone(
        new_context, page_log: PageLog, live_server: str, world) -> None:
    context, page = ready_phone(new_context, page_log, live_server)
    context.route("**/api/v1/checkins", lambda route: route.fulfill(
        status=503, json={"error": {"code": "unavailable", "message": "down", "fields": {}}}))
    check_in(page)
    assert waiting(page) == 1

    messages: list[str] = []

    def answer(accept: bool) -> Callable[[Any], None]:
        def handle(dialog: Any) -> None:
            messages.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.once("dialog", answer(False))
    page.locator("form.logout button").click()
    page.wait_for_timeout(300)
    assert messages and "1" in messages[0]
    assert "/my/checkin" in page.url and waiting(page) == 1  # still signed in, still kept

    page.once("dialog", answer(True))
    with page.expect_navigation():
        page.locator("form.logout button").click()
    page.wait_for_url("**/login")
    page.wait_for_load_state("networkidle")
    left = page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map((d) => d.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length})""")
    assert left == {"databases": [], "caches": [], "workers": 0}, left
    page_log.clear()


def test_the_servers_clear_site_data_alone_empties_the_phone(
        new_context, page_log: PageLog, live_server: str, world) -> None:
    """Signing out without the page's help (the form sent as is): the server's
    Clear-Site-Data header removes the outbox, the saved pages and the service worker."""
    context, page = ready_phone(new_context, page_log, live_server)
    context.set_offline(True)
    check_in(page)
    context.set_offline(False)
    context.route("**/api/v1/checkins", lambda route: route.abort("internetdisconnected"))
    assert len(outbox(page)) == 1
    with page.expect_navigation():
        page.evaluate("() => document.querySelector('form.logout').submit()")
    page.wait_for_url("**/login")
    page.wait_for_load_state("networkidle")
    left = page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map((d) => d.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length})""")
    assert left == {"databases": [], "caches": [], "workers": 0}, left
    assert page.locator("#outbox").is_hidden()


def test_an_ended_session_keeps_the_records_until_the_cadre_signs_in_again(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    context, page = ready_phone(new_context, page_log, live_server)
    context.set_offline(True)
    check_in(page)
    [kept] = outbox(page)
    context.clear_cookies()  # the session ends while the phone is away from signal
    context.set_offline(False)
    page.wait_for_function("() => !document.getElementById('outbox-note').hidden")
    assert waiting(page) == 1 and rows(app, Checkin, [kept["id"]]) == []
    note = page.locator("#outbox-note").inner_text()
    assert "登录" in note, note  # sign in again to send them
    shot(page, "offline-signin-again-zh")
    page_log.clear()  # the 401 of the "who am I" question was the point

    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '0'")
    assert len(rows(app, Checkin, [kept["id"]])) == 1
    assert page_log.problems() == {}


def test_a_heic_photo_goes_as_it_is(new_context, page_log: PageLog, live_server: str, world,
                                    app: Flask) -> None:
    """Chromium cannot draw HEIC on a canvas: the phone sends the file untouched and the
    server reads its EXIF itself (nothing is marked as reported by the phone)."""
    context = phone(new_context, live_server)
    page = signed_in_page(context, page_log, live_server)
    record_visit(page, live_server, photo("heic/IMG_5195.HEIC"))
    with app.app_context():
        visit = db.session().scalars(select(Visit).where(Visit.user_id == world["cadre_a"])
                                     .order_by(Visit.received_at.desc())).first()
        [stored] = visit.photos
        assert stored.original_format == "HEIF" and stored.taken_at is not None
        assert "exif_from_client" not in stored.flag_list
    assert page_log.problems() == {}


def test_an_old_csrf_token_is_renewed_before_sending(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    """A page saved on the phone long ago may carry a token the server no longer takes."""
    context = phone(new_context, live_server)
    page = signed_in_page(context, page_log, live_server)
    page.goto(f"{live_server}/my/checkin")
    page.evaluate("() => { document.querySelector('meta[name=\"csrf-token\"]').content = 'old'; }")
    check_in(page)
    assert "ok" in page.locator("#result").get_attribute("class")
    assert outbox(page) == []
    assert page.locator('meta[name="csrf-token"]').get_attribute("content") != "old"
    assert page_log.error_responses == [f"400 POST {live_server}/api/v1/checkins"]


def background_sync_of(context: BrowserContext, page: Page, base: str) -> Callable[[], None]:
    """A function that fires the outbox's Background Sync in the service worker of `base`, as
    the browser does when the signal returns (through the DevTools protocol)."""
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")

    def fire() -> None:
        mine: list[dict[str, Any]] = []
        for _ in range(50):
            mine = [r for r in registrations if r["scopeURL"] == f"{base}/"]
            if mine:
                break
            page.wait_for_timeout(100)
        assert mine, registrations
        cdp.send("ServiceWorker.dispatchSyncEvent", {
            "origin": base, "registrationId": mine[0]["registrationId"],
            "tag": "checkin-outbox", "lastChance": False})

    return fire


def test_background_sync_sends_what_waits_with_the_app_closed(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    """A check-in made without signal asks for a Background Sync; when the browser fires it,
    the service worker sends the record although no page of the app is open, once."""
    context, page = ready_phone(new_context, page_log, live_server)
    go_offline(context, page)
    check_in(page)
    [kept] = outbox(page)
    assert kept["state"] == "pending"
    tags = page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.sync.getTags())")
    assert "checkin-outbox" in tags

    sync = background_sync_of(context, page, live_server)
    page.goto("about:blank")  # the app is closed: no page runs the outbox any more
    context.set_offline(False)
    assert rows(app, Checkin, [kept["id"]]) == []
    sync()  # as the browser does when the signal returns
    stored: list[Any] = []
    for _ in range(100):
        stored = rows(app, Checkin, [kept["id"]])
        if stored:
            break
        page.wait_for_timeout(100)
    assert len(stored) == 1 and stored[0].queued and stored[0].user_id == world["cadre_a"]

    page.goto(f"{live_server}/my/checkin")  # opened again: nothing waits, nothing sent twice
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '0'")
    assert outbox(page) == []
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Checkin)
                                   .where(Checkin.id == kept["id"])) == 1
    assert page_log.problems() == {}


def test_a_lost_answer_sent_again_by_the_service_worker(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    """As the lost answer above, but the service worker's Background Sync sends the copy
    again: a 409 for the queued copy, then the live copy, and one record."""
    context, page = ready_phone(new_context, page_log, live_server)

    context.route("**/api/v1/checkins", lose_the_answer)
    check_in(page)
    [kept] = outbox(page)
    assert len(rows(app, Checkin, [kept["id"]])) == 1
    sync = background_sync_of(context, page, live_server)
    page.goto("about:blank")
    context.unroute("**/api/v1/checkins", lose_the_answer)
    sync()
    # A page of the site that runs no outbox (a style sheet) can read the phone's outbox:
    # the worker, not a page, has emptied it.
    page.goto(f"{live_server}/static/css/app.css")
    for _ in range(100):
        if outbox(page) == []:
            break
        page.wait_for_timeout(100)
    assert outbox(page) == []
    [row] = rows(app, Checkin, [kept["id"]])
    assert not row.queued  # the copy the server got first, live


def test_a_village_longer_than_one_page_of_households_is_whole_without_signal(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    """The API answers 500 households a page: the phone keeps every page as one list, so
    the visit form works offline for the household at the very end of a long village."""
    with app.app_context():
        session = db.session()
        village = session.get(Village, world["va"])
        session.add_all([Household(
            code=f"HX{n:04d}", head_name=f"户主{n:04d}", address=f"组{n // 50}",
            village_id=village.id, status="poor", helper_id=world["cadre_a"],
            lat=village.lat + 0.001, lon=village.lon) for n in range(620)])
        session.commit()
    context, page = ready_phone(new_context, page_log, live_server)
    first_page = page.evaluate("""() => fetch('/api/v1/households?limit=500')
        .then((r) => r.json()).then((b) => [b.items.map((h) => h.id), b.next_cursor])""")
    assert len(first_page[0]) == 500 and first_page[1]  # a second page, by its cursor
    go_offline(context, page)
    shown: list[str] = []
    name, household_id = record_visit(
        page, live_server, photo("real/HMD_Nokia_8.3_5G.jpg"), which=-1,
        on_form=lambda form: shown.append(form.locator("#hh-name").inner_text()))
    assert household_id not in first_page[0]  # on the API's second page
    assert shown == [name]
    [kept] = outbox(page)
    assert kept["body"]["household_id"] == household_id
