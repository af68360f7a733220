"""Spot checks a county can run (issue 15), on the services and the database: windows after
the draw, results only once a window opens, corrections as new records, weekly caps,
townships and checkers, one call a household a week, field positions against the village."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from checkin import db
from checkin.domain.refusal import Refusal
from checkin.models import (
    Area,
    AuditEntry,
    SpotcheckBatch,
    SpotcheckCorrection,
    SpotcheckItem,
    SpotcheckResult,
    User,
)
from checkin.services.spotchecks import appeals, results, weekly_draw, worklist
from checkin.settings import policy
from tests.spotcheck_helpers import LAST_WEEK, NOW, TODAY, WEEK, add_visit, last_week_visits


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def draw(app: Flask, area_id: int, actor: int, week: str = WEEK, **policy_changes: float) -> int:
    s = db.session()
    rules = dataclasses.replace(policy(), **policy_changes)
    batch, _ = weekly_draw.draw(s, s.get(Area, area_id), week,
                                weekly_draw.settings_from(app.config, rules), actor)
    s.commit()
    return batch.id


def items_of(batch_id: int, kind: str | None = None) -> list[SpotcheckItem]:
    stmt = select(SpotcheckItem).where(SpotcheckItem.batch_id == batch_id)
    if kind:
        stmt = stmt.where(SpotcheckItem.kind == kind)
    return list(db.session().scalars(stmt.order_by(SpotcheckItem.position)))


def supervisor(world, key: str) -> User:
    return db.session().get(User, world[key])


# 1. windows after the draw ------------------------------------------------------------
def test_a_wednesday_draw_schedules_no_presence_check_on_monday_or_tuesday(wednesday,
                                                                          world) -> None:
    with wednesday.app_context():
        batch_id = draw(wednesday, world["county"], world["sup_county"])
        days = {i.day for i in items_of(batch_id, "presence")}
        assert days and all(day > TODAY for day in days)  # Thursday and Friday only
        assert days <= {TODAY + timedelta(days=1), TODAY + timedelta(days=2)}
        batch = db.session().get(SpotcheckBatch, batch_id)
        assert weekly_draw.verify(db.session(), batch, weekly_draw.secret_from(
            wednesday.config)).ok


# 2. results only once the window has opened -----------------------------------------
def presence_item(wednesday, world) -> SpotcheckItem:
    batch_id = draw(wednesday, world["county"], world["sup_county"])
    return items_of(batch_id, "presence")[0]


def test_a_result_before_the_window_is_refused_without_a_reason(wednesday, world) -> None:
    with wednesday.app_context():
        item = presence_item(wednesday, world)
        s = db.session()
        with pytest.raises(Refusal) as refused:
            results.record_result(s, supervisor(world, "sup_county"), item,
                                  results.ResultInput("phone", "not_confirmed"))
        assert refused.value.code == "result_before_window"
        assert s.scalar(select(SpotcheckResult.id).where(
            SpotcheckResult.item_id == item.id)) is None


def test_an_early_result_with_a_reason_is_kept_and_flagged(wednesday, world) -> None:
    with wednesday.app_context():
        item = presence_item(wednesday, world)
        s = db.session()
        result = results.record_result(
            s, supervisor(world, "sup_county"), item,
            results.ResultInput("phone", "confirmed", early_reason="met on a trip to town"))
        s.commit()
        assert result.flags == "early_result" and result.early_reason == "met on a trip to town"


def test_a_result_inside_the_window_needs_no_reason(wednesday, world) -> None:
    with wednesday.app_context():
        item = presence_item(wednesday, world)
        opens = results.window_opens(item)
    wednesday.config["FIXED_NOW"] = opens + timedelta(minutes=5)
    with wednesday.app_context():
        s = db.session()
        item = s.get(SpotcheckItem, item.id)
        result = results.record_result(s, supervisor(world, "sup_county"), item,
                                       results.ResultInput("phone", "confirmed"))
        assert result.flags == "" and result.early_reason == ""


# 3. corrections -----------------------------------------------------------------------
def failed_result(world) -> SpotcheckResult:
    """The world's presence check of cadre_a (today 09:00-11:00, open at 10:00): not on post."""
    s = db.session()
    item = s.get(SpotcheckItem, world["presence_a"])
    result = results.record_result(s, supervisor(world, "sup_t1"), item,
                                   results.ResultInput("phone", "not_confirmed"))
    s.commit()
    return result


def test_a_mistaken_result_is_corrected_by_a_new_record_and_the_first_stays(wednesday,
                                                                           world) -> None:
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
        first = results.judge(s, [s.get(SpotcheckItem, world["presence_a"])])[0]
        assert first.verdict == "fail" and first.serious
        results.correct_result(s, supervisor(world, "sup_county"), result,
                               results.CorrectionInput(
                                   "phone", "confirmed",
                                   reason="clicked the wrong button; he answered the call"))
        s.commit()
        s.expire_all()
        item = s.get(SpotcheckItem, world["presence_a"])
        judged = results.judge(s, [item])[0]
        assert judged.verdict == "pass" and judged.outcome == "confirmed" and judged.corrected
        assert judged.first == "fail" and item.result.verdict == "fail"  # kept as recorded
        assert item.result.outcome == "not_confirmed"
        # what the bulletin and the findings count follows the correction
        assert not results.serious_findings(s, results.Scope.for_user(
            supervisor(world, "sup_county")), TODAY, TODAY)
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "spotcheck.correction")).one()
        assert entry.actor_id == world["sup_county"]


def test_a_correction_needs_a_reason_and_a_change(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
        sup = supervisor(world, "sup_t1")
        for data, code in (
                (results.CorrectionInput("phone", "confirmed", reason=" "),
                 "result_correction_reason"),
                (results.CorrectionInput("phone", "not_confirmed", reason="again"),
                 "correction_changes_nothing")):
            with pytest.raises(Refusal) as refused:
                results.correct_result(s, sup, result, data)
            assert refused.value.code == code


def test_a_serious_finding_is_not_corrected_away_by_the_township_or_its_recorder(
        wednesday, world) -> None:
    """A correction that takes a finding away is held to the appeal's rule: else a township
    that wants to excuse its cadre 'corrects' not-on-post into on-post with any reason."""
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)  # recorded by the township (sup_t1)
        away = results.CorrectionInput("phone", "confirmed", reason="he was there after all")
        for who, code in (("sup_t1", "correction_lightens_needs_county"),
                          ("sup_t2", "correction_lightens_needs_county")):
            with pytest.raises(Refusal) as refused:
                results.correct_result(s, supervisor(world, who), result, away)
            assert refused.value.code == code
        # a correction that keeps the finding is the township's to make
        kept = results.correct_result(s, supervisor(world, "sup_t1"), result,
                                      results.CorrectionInput("field", "not_confirmed",
                                                              reason="it was a field visit"))
        assert kept.verdict == "fail"
        s.commit()
    with wednesday.app_context():
        s = db.session()
        county_result = results.record_result(
            s, supervisor(world, "sup_county"), s.get(SpotcheckItem, world["presence_b"]),
            results.ResultInput("phone", "not_confirmed"))
        with pytest.raises(Refusal) as refused:
            results.correct_result(s, supervisor(world, "sup_county"), county_result,
                                   results.CorrectionInput("phone", "confirmed",
                                                           reason="misclick"))
        assert refused.value.code == "correction_lightens_own"


def test_an_appealed_finding_is_settled_by_the_appeal_not_a_correction(wednesday,
                                                                       world) -> None:
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
        appeals.make_appeal(s, supervisor(world, "sup_t1"), result,
                            appeals.AppealInput(reason="on leave, note attached"))
        s.commit()
        with pytest.raises(Refusal) as refused:
            results.correct_result(s, supervisor(world, "sup_t1"), result,
                                   results.CorrectionInput("phone", "confirmed", reason="x"))
        assert refused.value.code == "correction_after_appeal"


def test_a_finding_corrected_to_a_pass_cannot_be_appealed(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
        results.correct_result(s, supervisor(world, "sup_county"), result,
                               results.CorrectionInput("phone", "confirmed", reason="misclick"))
        s.commit()
        with pytest.raises(Refusal) as refused:
            appeals.make_appeal(s, supervisor(world, "sup_t1"), result,
                                appeals.AppealInput(reason="why not"))
        assert refused.value.code == "appeal_not_a_failure"


def test_a_correction_judges_leave_as_known_at_the_first_result(wednesday, world,
                                                                make_leave) -> None:
    """Leave approved after the check cannot excuse it through a correction (事后补批)."""
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
    make_leave("cadre_a", status="approved", start_date=TODAY, end_date=TODAY,
               decided_at=NOW + timedelta(hours=1))
    wednesday.config["FIXED_NOW"] = NOW + timedelta(hours=2)
    with wednesday.app_context():
        s = db.session()
        result = s.get(SpotcheckResult, result.id)
        correction = results.correct_result(
            s, supervisor(world, "sup_t1"), result,
            results.CorrectionInput("field", "not_confirmed", reason="it was a field visit"))
        assert correction.verdict == "fail"


def test_corrections_are_insert_only_and_one_at_a_time(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        result = failed_result(world)
        results.correct_result(s, supervisor(world, "sup_county"), result,
                               results.CorrectionInput("phone", "confirmed", reason="misclick"))
        s.commit()
        for statement in (update(SpotcheckCorrection).values(reason="changed"),
                          delete(SpotcheckCorrection)):
            with pytest.raises(DBAPIError, match="insert-only"):
                s.execute(statement)
            s.rollback()
        # two saved at once take the same sequence: the key refuses the second
        s.add(SpotcheckCorrection(result_id=result.id, sequence=1,
                                  corrected_by_id=world["sup_t1"], method="phone",
                                  outcome="unreachable", note="", reason="race",
                                  verdict="no_contact", recorded_at=NOW))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


# 4. weekly caps ------------------------------------------------------------------------
def test_an_area_draw_holds_no_more_than_the_weekly_cap(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        last_week_visits(s, world)
        s.commit()
        batch_id = draw(wednesday, world["county"], world["sup_county"],
                        spotcheck_area_week_cap=3)
        items = items_of(batch_id)
        assert len(items) == 3 and {i.kind for i in items} == {"presence", "visit"}
        batch = s.get(SpotcheckBatch, batch_id)
        assert batch.candidates["cap"] == 3
        assert weekly_draw.verify(s, batch, weekly_draw.secret_from(wednesday.config)).ok
        shares = worklist.shares(batch)
        assert (shares.presence + shares.visits, shares.cap) == (3, 3)
        assert shares.visit_share == shares.visits / len(batch.candidates["visits"]["ids"])


def test_a_checker_takes_no_more_than_the_weekly_cap(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        rules = dataclasses.replace(policy(), spotcheck_checker_week_cap=1)
        sup = supervisor(world, "sup_t1")
        first, second = (s.get(SpotcheckItem, world[k]) for k in ("presence_a", "backcheck_a"))
        assert worklist.assign(s, sup, first, world["sup_t1"], rules) is not None
        assert worklist.assign(s, sup, first, world["sup_t1"], rules) is None  # no change
        with pytest.raises(Refusal) as refused:
            worklist.assign(s, sup, second, world["sup_t1"], rules)
        assert refused.value.code == "checker_week_full"
        # the county's supervisor covers the village too; another township's does not
        assert worklist.assign(s, sup, second, world["sup_county"], rules) is not None
        with pytest.raises(Refusal) as refused:
            worklist.assign(s, sup, second, world["sup_t2"], rules)
        assert refused.value.code == "checker_not_in_area"
        s.commit()
        # each checker sees their own list
        mine = results.queue(s, results.Scope.for_user(sup),
                             results.QueueFilters(checker_id=world["sup_t1"]))
        assert [i.id for i in mine] == [first.id]
        county = results.queue(s, results.Scope.for_user(supervisor(world, "sup_county")),
                               results.QueueFilters(checker_id=world["sup_county"]))
        assert [i.id for i in county] == [second.id]


# 5. townships and pages -------------------------------------------------------------------
def test_the_county_list_is_grouped_by_township_and_paged(wednesday, world) -> None:
    with wednesday.app_context():
        s = db.session()
        last_week_visits(s, world)
        s.commit()
        batch_id = draw(wednesday, world["county"], world["sup_county"])
        scope = results.Scope.for_user(supervisor(world, "sup_county"))
        towns = worklist.townships(s, scope, batch_id)
        assert [t.id for t in towns] == [world["t1"], world["t2"]]
        assert sum(t.total for t in towns) == len(items_of(batch_id))
        first = towns[0]
        items, page = worklist.township_page(s, scope, batch_id, first.id, 1, size=2)
        assert len(items) == min(2, first.total) and page.pages == -(-first.total // 2)
        assert {i.village_id for i in items} == {world["va"]}
        last, _ = worklist.township_page(s, scope, batch_id, first.id, 99, size=2)
        assert last and last[-1].id == max(
            (i for i in items_of(batch_id) if i.village_id == world["va"]),
            key=lambda i: i.position).id


# 6. one call a household a week ------------------------------------------------------------
@pytest.mark.parametrize("county_first", [True, False])
def test_a_household_is_not_called_twice_in_a_week_whatever_level_drew_it(
        wednesday, world, county_first: bool) -> None:
    """Every visit is drawn (share 1): the second draw of the week, county or township,
    leaves out every household the first already calls."""
    with wednesday.app_context():
        s = db.session()
        monday = TODAY - timedelta(days=TODAY.weekday() + 14)  # W45: the visits for W46
        visits = [add_visit(s, world, cadre, village, monday + timedelta(days=n))
                  for n, (cadre, village) in enumerate((("cadre_a", "va"), ("cadre_a2", "va"),
                                                        ("cadre_b", "vb"), ("cadre_b2", "vb")))]
        s.commit()
        order = [(world["county"], world["sup_county"]), (world["t1"], world["sup_t1"])]
        if not county_first:
            order.reverse()
        batches = [draw(wednesday, area, actor, LAST_WEEK, visit_backcheck_share=1.0)
                   for area, actor in order]
        called = [{i.household_id for i in items_of(b, "visit")} for b in batches]
        in_va = {v.household_id for v in visits if v.village_id == world["va"]}
        assert called[0] and not called[0] & called[1]
        if county_first:  # the county called every household: the township none
            assert called[0] >= in_va and called[1] == set()
        else:  # the township called Alpha's: the county only Beta's
            assert called[0] == in_va and called[1] == {
                v.household_id for v in visits if v.village_id == world["vb"]}
        second = s.get(SpotcheckBatch, batches[1])
        in_second = [v for v in visits if not county_first or v.village_id == world["va"]]
        assert second.candidates["left_out"]["visits"] == len(
            [v for v in in_second if v.household_id in called[0]])
        for batch_id in batches:
            assert weekly_draw.verify(s, s.get(SpotcheckBatch, batch_id),
                                      weekly_draw.secret_from(wednesday.config)).ok


# 7. field positions -----------------------------------------------------------------------
@pytest.mark.parametrize(("north_m", "flags"), [(300, ""), (14_000, "far_from_village")])
def test_a_field_result_is_compared_with_the_village(wednesday, world, north_m: int,
                                                     flags: str) -> None:
    with wednesday.app_context():
        s = db.session()
        item = s.get(SpotcheckItem, world["presence_a"])
        lat = item.village.lat + north_m / 111_195
        result = results.record_result(
            s, supervisor(world, "sup_t1"), item,
            results.ResultInput("field", "confirmed", lat=lat, lon=item.village.lon,
                                accuracy_m=10))
        assert result.flags == flags
        assert result.distance_m == pytest.approx(north_m, rel=0.01)


@pytest.mark.parametrize(("north_m", "flags"), [(4_000, ""), (16_000, "far_from_village")])
def test_a_field_result_in_a_bounded_village_is_compared_with_its_boundary(
        wednesday, world, login, north_m: int, flags: str) -> None:
    """A village whose fence is its boundary (about 11 km across, far wider than its
    circle): 4 km from the centre is inside it, not far from the village; the check's
    page names the boundary as the fence, not the circle's radius."""
    with wednesday.app_context():
        s = db.session()
        item = s.get(SpotcheckItem, world["presence_a"])
        village = item.village
        lat, lon = village.lat, village.lon
        village.boundary = (f"POLYGON (({lon - 0.06} {lat - 0.05}, {lon + 0.06} {lat - 0.05}, "
                            f"{lon + 0.06} {lat + 0.05}, {lon - 0.06} {lat + 0.05}, "
                            f"{lon - 0.06} {lat - 0.05}))")
        result = results.record_result(
            s, supervisor(world, "sup_t1"), item,
            results.ResultInput("field", "confirmed", lat=lat + north_m / 111_195, lon=lon,
                                accuracy_m=10))
        assert result.flags == flags
        assert result.distance_m == pytest.approx(north_m, rel=0.01)
        s.commit()
    client = wednesday.test_client()
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    text = client.get(f"/spotchecks/items/{world['presence_a']}").get_data(as_text=True)
    assert f"{north_m / 1000:.1f} km from the village centre (fence: the village boundary)" in text
    assert "km from the village centre (fence 1500 m)" not in text


def test_an_unreachable_result_corrected_to_an_answer_counts_as_a_check(wednesday,
                                                                        world) -> None:
    """The draws' history (last check, last drawn) follows the correction too."""
    from datetime import time

    with wednesday.app_context():
        s = db.session()
        item = SpotcheckItem(batch_id=world["batch_a"], position=5, kind="presence",
                             user_id=world["cadre_a2"], village_id=world["va"], day=TODAY,
                             window_start=time(9), window_end=time(11), risk=1.0, reasons=[])
        s.add(item)
        s.flush()
        result = results.record_result(s, supervisor(world, "sup_t1"), item,
                                       results.ResultInput("phone", "unreachable"))
        s.commit()
        cadres = select(User.id).where(User.id == world["cadre_a2"])
        later = TODAY + timedelta(days=1)
        history = results.histories(s, cadres, later)[world["cadre_a2"]]
        assert (history.checks, history.days_since_last_check) == (0, None)
        assert world["cadre_a2"] not in results.last_drawn(s, cadres, "presence")
        results.correct_result(s, supervisor(world, "sup_t1"), result,
                               results.CorrectionInput("phone", "confirmed",
                                                       reason="he called back at once"))
        s.commit()
        history = results.histories(s, cadres, later)[world["cadre_a2"]]
        assert (history.checks, history.days_since_last_check) == (1, 1)
        assert results.last_drawn(s, cadres, "presence")[world["cadre_a2"]] == TODAY
