"""The spot-check batch page of a 1,520-cadre county: how many checks one weekly county draw
makes, how many the page shows, and how tall the page is (issue 15: 312,347 px before).

Run from the repository root: `.venv/bin/python -m bench.spotcheck_county_page OUT_DIR`.
It builds the county of bench/_spotcheck_county.py at 19 townships x 20 villages x 4 cadres
(1,520 cadres, 19,000 households, two months of visits) in a scratch SQLite file, draws
the county's week 2026-W49 on Wednesday 2 December with the code of this tree, serves the
app on 127.0.0.1 and opens the batch page in Chromium (signed in as the county office,
Chinese): the page's height in CSS pixels and its check rows, at 1366x768 and 390x844, with
screenshots. Being about one tree, it prints figures, not ratios: run it in a checkout of
the commit before to compare (the closing note of issue 15 has both).
"""

from __future__ import annotations

import logging
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from bench import _spotcheck_county as county
from bench._common import scratch_sqlite

CHROMIUM = "/usr/bin/chromium"
WEEK = "2026-W49"
WEDNESDAY = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PASSWORD = "county-office-42"
SIZES = ((1366, 768), (390, 844))


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright
    from sqlalchemy import func, select, update
    from werkzeug.serving import make_server

    from checkin import create_app, db
    from checkin.models import Area, SpotcheckBatch, SpotcheckItem, User
    from checkin.services.people import accounts
    from checkin.services.spotchecks import weekly_draw
    from checkin.settings import policy
    from config import TestConfig

    county.TOWNSHIPS, county.VILLAGES_PER_TOWNSHIP, county.CADRES_PER_TEAM = 19, 20, 4
    url = scratch_sqlite("/tmp/bench_spotcheck_county_page.db")
    engine = db.make_engine(url)
    built = county.build(engine)
    engine.dispose()
    print(f"cadres: {len(built.cadre_ids)}")

    class Config(TestConfig):
        DATABASE_URL = url
        FIXED_NOW = WEDNESDAY
        PHOTO_DIR = "/tmp/bench_spotcheck_county_page_photos"

    app = create_app(Config)
    with app.app_context():
        s = db.session()
        s.execute(update(User).where(User.username == "county").values(
            password_hash=accounts.hash_password(PASSWORD)))
        batch, _ = weekly_draw.draw(s, s.get(Area, built.county_id), WEEK,
                                    weekly_draw.settings_from(app.config, policy()), None)
        s.commit()
        batch_id = batch.id
        kinds = dict(s.execute(select(SpotcheckItem.kind, func.count())
                               .where(SpotcheckItem.batch_id == batch_id)
                               .group_by(SpotcheckItem.kind)).all())
        visits = len(s.get(SpotcheckBatch, batch_id).candidates["visits"]["ids"])
    with app.app_context():  # an early result with its reason, then corrected, to look at
        from checkin.services.spotchecks import results
        s = db.session()
        office = s.scalars(select(User).where(User.username == "county")).one()
        first, second = s.scalars(select(SpotcheckItem).where(
            SpotcheckItem.batch_id == batch_id, SpotcheckItem.kind == "presence")
            .order_by(SpotcheckItem.position).limit(2)).all()
        result = results.record_result(s, office, first, results.ResultInput(
            "field", "not_confirmed", early_reason="路过村部，顺路核查",
            lat=first.village.lat + 14_000 / 111_195, lon=first.village.lon, accuracy_m=12))
        results.correct_result(s, office, result, results.CorrectionInput(
            "field", "confirmed", reason="误点了“不在岗”，本人在村部"))
        s.commit()
        corrected, early = first.id, second.id
    print(f"drawn: {sum(kinds.values())} checks ({kinds.get('presence', 0)} presence, "
          f"{kinds.get('visit', 0)} back-checks of {visits} visits: "
          f"{100 * kinds.get('visit', 0) / max(visits, 1):.0f}%)")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale="zh-CN")
            context.add_cookies([{"name": "lang", "value": "zh", "url": base}])
            page = context.new_page()
            page.goto(f"{base}/login")
            page.locator('input[name="username"]').fill("county")
            page.locator('input[name="password"]').fill(PASSWORD)
            with page.expect_navigation():
                page.locator("form:has(input[name=password]) button[type=submit]").click()
            page.goto(f"{base}/spotchecks/batches/{batch_id}", timeout=300_000)
            tall = page.evaluate("document.documentElement.scrollHeight")
            rows = page.locator(".sc-item").count()
            shown = page.locator(".sc-shares, dd").nth(2).inner_text()
            print(f"{width}x{height}: page {tall} px tall, {rows} check rows; says: {shown}")
            page.screenshot(path=str(out / f"spotcheck-county-batch-{width}.png"))
            if tall < 30_000:
                page.screenshot(path=str(out / f"spotcheck-county-batch-{width}-full.png"),
                                full_page=True)
            page.emulate_media(media="print")
            printed = page.evaluate("document.documentElement.scrollHeight")
            print(f"{width}x{height} as printed: {printed} px")
            if printed < 30_000:
                page.screenshot(path=str(out / f"spotcheck-county-batch-{width}-print.png"),
                                full_page=True)
            page.emulate_media(media="screen")
            for name, item_id in (("corrected", corrected), ("early", early)):
                page.goto(f"{base}/spotchecks/items/{item_id}")
                page.screenshot(path=str(out / f"spotcheck-item-{name}-{width}.png"),
                                full_page=True)
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts"))
