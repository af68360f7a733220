"""Every route, every role: nobody sees another jurisdiction's villages, people or households.

The world has village A (township T1), village B (township T2, same county) and village C
(another county). Names in the world carry markers (VillageAlpha, CadreB..., HeadC0...), so
a leak shows up as a marker in a response body.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import csrf_from

MARKERS = {
    "a": ("VillageAlpha", "CadreALeader", "CadreAMember", "HeadA0", "AddrA1", "NoteA",
          "ReasonA", "VisitNoteA", "SpotNoteA", "SpotSeedA", "ReportRemarkA"),
    "b": ("VillageBeta", "CadreBLeader", "CadreBMember", "HeadB0", "AddrB1", "NoteB",
          "ReasonB", "VisitNoteB", "SpotNoteB", "SpotSeedB", "ReportRemarkB"),
    "c": ("VillageGamma", "CadreCLeader", "CadreCMember", "HeadC0", "AddrC1", "NoteC",
          "ReasonC", "VisitNoteC", "SpotNoteC", "SpotSeedC", "ReportRemarkC"),
}
# Spot checks are unannounced: nothing a cadre can read may show that they exist, let alone
# which records were drawn (the world has a drawn and answered check in every village).
SPOTCHECK_DATA = ("SpotNote", "SpotSeed")
SPOTCHECK_WORDS = ("抽查", "Spot check", "spot check", "back-check", "Back-check",
                   "Serious finding", "Yellow card", "Red flag", "黄牌", "红旗")
# The API contract is public (API.md): it names the spot-check endpoints, never a draw.
PUBLIC_CONTRACT = "/api/v1/openapi.json"
VISIBLE = {
    "cadre_a": {"a"},
    "cadre_b": {"b"},
    "sup_t1": {"a"},
    "sup_t2": {"b"},
    "sup_county": {"a", "b"},
    "admin": {"a", "b", "c"},
    None: set(),
}
# Route arguments and the world's records to try for each.
ARGUMENT_VALUES = {
    "village_id": ("va", "vb", "vc"),
    "household_id": (),  # filled from the database below
    "user_id": ("cadre_a", "cadre_a2", "cadre_b", "cadre_c", "sup_t1", "sup_county"),
    "code": ("en", "zh"),
    "filename": ("css/app.css", "leaflet.js"),
    "kind": ("xlsx", "csv"),
    "visit_id": (),  # filled from the database below
    "photo_id": (),
    "batch_id": (),
    "item_id": (),
    "team_id": ("team_a", "team_b", "team_c"),
    "month": (),  # this month and a malformed one, below
    "quarter": (),  # this quarter and a malformed one, below (季众评)
    "import_id": (),
    "job_id": (),  # export jobs: a month grid written for each township (_exports_of)
    "talk_id": (),  # warning talks: none in the world (tests/web/test_bulletin_holds_up.py)
    "training_id": (),  # a training of each township, made by _trainings_of below
    "duty_id": (),  # a duty over villages in each village's place, made by _rounds_of below
    "token": ("AAAAAAAAAAAAAAAAAAAAAA",),  # a household's evaluation link: a foreign one
}
FROM_DATABASE = ("household_id", "visit_id", "photo_id", "batch_id", "item_id", "import_id",
                 "job_id",
                 "talk_id", "training_id", "duty_id")


def _urls(app: Flask, rule: Rule, world, household_ids: dict[str, list[object]]
          ) -> Iterator[str]:
    arguments = sorted(rule.arguments)
    if not arguments:
        yield rule.rule
        return
    assert len(arguments) == 1, f"teach this test about {rule.rule}"
    name = arguments[0]
    assert name in ARGUMENT_VALUES, f"teach this test the argument {name} of {rule.rule}"
    if name in FROM_DATABASE:
        values: list[object] = list(household_ids[name])
    elif name == "month":
        from checkin.platform import clock

        with app.app_context():
            values = [clock.today().strftime("%Y-%m"), "2026-13"]
    elif name == "quarter":
        from checkin.domain.public_evaluation import quarter_of
        from checkin.platform import clock

        with app.app_context():
            values = [quarter_of(clock.today()), "2026-Q9"]
    elif name in ("code", "filename", "kind", "token"):
        values = list(ARGUMENT_VALUES[name])
    else:
        values = [world[key] for key in ARGUMENT_VALUES[name]]
    with app.test_request_context():
        from flask import url_for

        for value in values:
            yield url_for(rule.endpoint, **{name: value})


def body_text(response) -> str:
    """What a person could read in the response: spreadsheet cells included."""
    if "spreadsheetml" in response.content_type:
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(str(cell) for sheet in book.worksheets
                        for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.get_data().decode("utf-8", errors="replace")


def _trainings_of(app: Flask) -> None:
    """A training of townships T1 and T2, named for their village (its roster lists the
    village's cadres), each with a sign-in and a mark."""
    from datetime import time

    from sqlalchemy import select

    from checkin import db
    from checkin.models import User
    from checkin.platform import clock
    from checkin.services.trainings import attendance, sessions

    with app.app_context():
        s = db.session()
        for organiser, marker in (("sup_t1", "VillageAlpha"), ("sup_t2", "VillageBeta")):
            user = s.scalars(select(User).where(User.username == organiser)).one()
            row = sessions.create(s, user, sessions.SessionInput(
                kind="training", title=f"{marker}培训", first_day=clock.today(),
                last_day=clock.today(), starts_at=time(0, 0), ends_at=time(23, 59),
                place=f"{marker}村部", lat=30.8, lon=116.4, coord_system="wgs84",
                radius_m=300, audience="all"))
            attendance.mark_present(s, user, row, [u.id for u in s.scalars(
                select(User).where(User.role == "cadre"))], clock.today(), f"{marker}签到表")
        s.commit()


def _exports_of(app: Flask, world) -> None:
    """A month grid export of each township, written by the worker as its supervisor: the
    file of one names the other's cadres, which must not reach the other."""
    from checkin import db
    from checkin.services import worker
    from checkin.services.reporting import export_jobs

    app.config["BACKGROUND_WORKER"] = "external"
    with app.app_context():
        s = db.session()
        for supervisor in ("sup_t1", "sup_t2"):
            export_jobs.enqueue(s, world[supervisor], "/attendance/month.xlsx", "zh")
        s.commit()
    worker.work(app, idle_rounds=1)


def _rounds_of(app: Flask) -> None:
    """Duties over villages that stay inside each holder's own place (巡村): cadre_a an
    envoy of Alpha, sup_t2 the district secretary of Beta, cadre_c an envoy of Gamma, each
    with a counting check-in, and the duty named for its village."""
    from datetime import timedelta

    from sqlalchemy import select

    from checkin import db
    from checkin.models import RoundCheckin, User, Village
    from checkin.platform import clock
    from checkin.services.rounds import duties

    with app.app_context():
        s = db.session()
        admin = s.scalars(select(User).where(User.username == "admin")).one()
        for holder, kind, code, marker in (
                ("cadre_a", "envoy", "34080101", "VillageAlpha"),
                ("sup_t2", "district_secretary", "34080201", "VillageBeta"),
                ("cadre_c", "envoy", "34090101", "VillageGamma")):
            duty = duties.assign(s, admin.id, duties.DutyInput(
                username=holder, kind=kind, village_codes=(code,),
                start=clock.today() - timedelta(days=40), weekday=2,
                title=f"{marker}巡村"))
            village = s.scalars(select(Village).where(Village.code == code)).one()
            now = clock.now()
            s.add(RoundCheckin(id=f"00000000-0000-4000-8000-00000000{duty.id:04d}",
                               user_id=duty.user_id, village_id=village.id, recorded_at=now,
                               received_at=now, local_day=clock.today(), lat=village.lat,
                               lon=village.lon, accuracy_m=10, distance_m=0, in_fence=True,
                               counts=True, flags="", reasons=[], note=f"{marker}走访",
                               queued=False, digest="0" * 64))
        s.commit()


def _household_ids(app: Flask) -> dict[str, list[object]]:
    """Ids of the records that routes take, from the world in the database."""
    from sqlalchemy import select

    from checkin import db
    from checkin.models import (
        ExportJob,
        Household,
        Photo,
        RosterImport,
        RoundDuty,
        SpotcheckBatch,
        SpotcheckItem,
        Training,
        Visit,
        WarningTalk,
    )

    with app.app_context():
        s = db.session()
        return {"training_id": list(s.scalars(select(Training.id))),
                "duty_id": list(s.scalars(select(RoundDuty.id))),
                "household_id": list(s.scalars(select(Household.id))),
                "visit_id": list(s.scalars(select(Visit.id))),
                "photo_id": list(s.scalars(select(Photo.id))),
                "batch_id": list(s.scalars(select(SpotcheckBatch.id))),
                "item_id": list(s.scalars(select(SpotcheckItem.id))),
                "import_id": list(s.scalars(select(RosterImport.id))),
                "job_id": list(s.scalars(select(ExportJob.id))),
                "talk_id": list(s.scalars(select(WarningTalk.id)))}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_no_route_leaks_another_jurisdiction(app: Flask, world, login, who) -> None:
    client = app.test_client()
    if who:
        login(client, who)
    forbidden = [m for key, marks in MARKERS.items() if key not in VISIBLE[who] for m in marks]
    cadre = who is not None and who.startswith("cadre")
    if cadre:
        forbidden += SPOTCHECK_DATA
    _trainings_of(app)
    _rounds_of(app)
    _exports_of(app, world)
    households = _household_ids(app)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout") or "GET" not in rule.methods:
            continue
        for url in _urls(app, rule, world, households):
            response = client.get(url)
            assert response.status_code < 500, (who, url)
            body = body_text(response)
            leaked = [m for m in forbidden if m in body]
            if cadre and url != PUBLIC_CONTRACT:
                leaked += [w for w in SPOTCHECK_WORDS if w in body]
            assert not leaked, f"{who} sees {leaked} at {url}"
            checked += 1
            if rule.endpoint == "auth.set_language":
                client.set_cookie("lang", "zh")
    assert checked > 15


@pytest.mark.parametrize("who", ["cadre_a", "sup_t1", "sup_county", "admin"])
def test_each_role_sees_its_own(app: Flask, world, login, who) -> None:
    """The other half of the matrix: what should be visible is visible."""
    client = login(app.test_client(), who)
    pages = {"cadre_a": ["/", "/village", "/my/households", "/my/visits"],
             "sup_t1": ["/", "/villages", "/cadres", "/households"],
             "sup_county": ["/", "/villages", "/cadres", "/households"],
             "admin": ["/", "/villages", "/cadres", "/households", "/admin/users"]}[who]
    seen = ""
    for page in pages:
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, page
        seen += response.get_data(as_text=True)
    for key in VISIBLE[who]:
        assert MARKERS[key][0] in seen, (who, key)


@pytest.mark.parametrize("who", ["cadre_a", "sup_t1"])
def test_admin_pages_answer_404_to_others(app: Flask, world, login, who) -> None:
    client = login(app.test_client(), who)
    assert client.get("/admin/users").status_code == 404
    assert client.get("/admin/roster").status_code == 404
    token = csrf_from(client, "/")
    response = client.post("/admin/roster", data={"csrf_token": token})
    assert response.status_code == 404


def test_cadre_pages_answer_404_to_supervisors(app: Flask, world, login) -> None:
    client = login(app.test_client(), "sup_t1")
    assert client.get("/my/households").status_code == 404
    assert client.get(f"/villages/{world['vb']}").status_code == 404
    assert client.get(f"/villages/{world['va']}").status_code == 200
