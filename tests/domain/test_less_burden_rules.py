"""The two less-burden settings as rules (issue 20 part 4): a bulletin without its points
ranking, and the photo a visit in person needs only where a deployment requires one."""

from __future__ import annotations

import dataclasses

import pytest

from checkin.domain.evidence import check_photos
from checkin.domain.policy import Policy
from checkin.domain.publication import late_changes, ranked, unranked
from checkin.domain.refusal import Refusal

ROWS = [
    {"team_id": 2, "team_code": "T2", "village_name": "汤池村", "township": "温泉镇",
     "county": "岳西县", "score": 91.0, "rank": 1, "award": "red_flag",
     "parts": {"attendance": 95.0}, "findings": []},
    {"team_id": 1, "team_code": "T1", "village_name": "板舍村", "township": "温泉镇",
     "county": "岳西县", "score": 40.0, "rank": 2, "award": "yellow_card",
     "parts": {"attendance": 30.0}, "findings": [{"kind": "presence"}]},
]
CONTENT = {"format": 2, "ranked": True, "rows": ROWS, "groups": {"units": [{"rank": 1}]}}


def test_an_unranked_bulletin_keeps_parts_and_findings_but_no_points() -> None:
    plain = unranked(CONTENT)
    assert plain["ranked"] is False and plain["groups"] == {}
    assert [r["team_code"] for r in plain["rows"]] == ["T1", "T2"]  # 板舍村 before 汤池村
    assert {(r["score"], r["rank"], r["award"]) for r in plain["rows"]} == {(None, None, None)}
    assert plain["rows"][0]["findings"] == [{"kind": "presence"}]
    assert plain["rows"][0]["parts"] == {"attendance": 30.0}
    assert CONTENT["rows"][0]["rank"] == 1  # the input is not changed


@pytest.mark.parametrize(("content", "expected"), [
    ({}, True),  # snapshots before the setting were all ranked
    ({"ranked": True}, True),
    ({"ranked": False}, False),
])
def test_ranked(content, expected) -> None:
    assert ranked(content) is expected


def test_late_changes_between_a_ranked_and_an_unranked_month() -> None:
    """A deployment that turns the ranking off after publishing sees the ranks go, in
    team order (no rank to order by), without failing."""
    changes = late_changes(ROWS, unranked(CONTENT)["rows"])
    assert [c.team_id for c in changes] == [1, 2]
    assert changes[0].changes["award"].published == "yellow_card"
    assert changes[0].changes["award"].now is None


REQUIRED = dataclasses.replace(Policy(), visit_photo_required=True)


@pytest.mark.parametrize(("policy", "kind", "photos", "refused"), [
    (Policy(), "visit", 0, False),  # the default: photo proof is not the measure of work
    (Policy(), "contact", 0, False),
    (REQUIRED, "visit", 0, True),
    (REQUIRED, "visit", 1, False),
    (REQUIRED, "contact", 0, False),  # a phone call has nothing to photograph
])
def test_check_photos(policy, kind, photos, refused) -> None:
    if refused:
        with pytest.raises(Refusal) as caught:
            check_photos(kind, photos, policy)
        assert caught.value.code == "photo_required" and caught.value.field == "photos"
    else:
        check_photos(kind, photos, policy)
