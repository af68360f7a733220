"""Evidence flags of visits and photos, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkin.domain.evidence import PhotoFacts, VisitFacts, photo_flags, visit_flags
from checkin.domain.policy import Policy

POLICY = Policy()
AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
FENCE = (30.85, 116.36, 1500.0)
HOME = (30.851, 116.361)


def facts(lat=30.851, lon=116.361, accuracy=20.0, delay_h=0.0, queued=False, in_person=True):
    return VisitFacts(lat=lat, lon=lon, accuracy_m=accuracy, recorded_at=AT,
                      received_at=AT + timedelta(hours=delay_h), queued=queued,
                      in_person=in_person)


@pytest.mark.parametrize("visit, household, expected", [
    (facts(), HOME, []),
    (facts(lat=30.8545), HOME, ["far_from_household"]),  # ~390 m north of the home
    (facts(lat=30.8535), HOME, []),  # ~280 m: within 300 m
    (facts(accuracy=800), HOME, ["low_accuracy"]),
    (facts(lat=30.90), HOME, ["outside_fence", "far_from_household"]),
    (facts(lat=30.90), None, ["outside_fence"]),  # no registered position: no distance
    (facts(delay_h=5, queued=True), HOME, ["late_sync"]),
    (facts(delay_h=80, queued=True), HOME, ["synced_too_late"]),  # beyond the offline window
    (facts(delay_h=5, queued=False), HOME, []),  # live requests are judged by clock skew
    (facts(lat=None, lon=None, accuracy=None, in_person=False), HOME, []),  # phone contact
    (facts(lat=30.90, in_person=False), HOME, []),  # a call may be made from anywhere
])
def test_visit_flags(visit, household, expected) -> None:
    assert [f.code for f in visit_flags(visit, household, FENCE, POLICY)] == expected


def photo(taken=AT - timedelta(hours=1), lat=None, lon=None):
    return PhotoFacts(taken_at=taken, exif_lat=lat, exif_lon=lon, pipeline_flags=())


@pytest.mark.parametrize("facts_, reported, duplicate, expected", [
    (photo(), HOME, None, []),
    (photo(taken=None), HOME, None, ["no_exif_time"]),
    (photo(taken=AT - timedelta(hours=23)), HOME, None, []),
    (photo(taken=AT - timedelta(hours=25)), HOME, None, ["photo_old"]),
    (photo(lat=30.851, lon=116.361), HOME, None, []),
    (photo(lat=31.0, lon=116.361), HOME, None, ["exif_gps_far"]),
    (photo(lat=31.0, lon=116.361), None, None, []),  # nothing reported to compare with
    (photo(), HOME, 3, ["duplicate_photo"]),
])
def test_photo_flags(facts_, reported, duplicate, expected) -> None:
    assert [f.code for f in photo_flags(facts_, AT, reported, duplicate, POLICY)] == expected


@pytest.mark.parametrize(("visit_flags", "photo_flags", "holds"), [
    ([], [], True),
    ([], [["no_exif_time"]], True),  # no time in the photo: not a reason on its own
    (["far_from_household"], [], True),  # far from a registered position: none here
    (["late_sync"], [[]], True),
    (["outside_fence"], [], False),
    (["low_accuracy"], [], False),
    (["impossible_travel"], [], False),
    ([], [[], ["duplicate_photo"]], False),  # any photo reused
    ([], [["photo_old"]], False),
    ([], [["exif_gps_far"]], False),
    (["outside_fence"], [["photo_old", "duplicate_photo"]], False),  # the visit
])
def test_a_position_is_confirmed_only_from_a_visit_whose_evidence_holds(
        visit_flags: list[str], photo_flags: list[list[str]], holds: bool) -> None:
    from checkin.domain.evidence import position_evidence_holds

    assert position_evidence_holds(visit_flags, photo_flags) is holds
