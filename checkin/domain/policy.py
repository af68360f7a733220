"""Policy numbers from DOMAIN.md, as one immutable value every rule takes as input."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    """Defaults are the numbers in the source documents; deployments override them."""

    # Attendance (002)
    days_on_post_per_year: int = 200
    training_days_per_year: int = 4
    official_leave_counts: bool = True
    training_leave_counts: bool = True
    max_accuracy_m: float = 500.0
    default_fence_radius_m: float = 1500.0
    late_sync_hours: float = 2.0
    clock_skew_minutes: float = 10.0
    # The offline window: a record sent later than this after it was made is kept as
    # evidence but does not count for its day (issue 12). 72 h covers a long weekend
    # without signal in a mountain village (made Friday morning, sent Monday morning) and
    # a phone left uncharged for a day on top; a week would let a cadre fill last week's
    # gaps on Monday with records made up on Sunday. A missed day beyond it is asked for
    # with a make-up request (补卡), which the township decides.
    offline_window_hours: float = 72.0
    # A live (not queued) record whose clock is further than this from the server's does
    # not count: a phone that is online has network time, so a gap is a hand-set clock.
    clock_tolerance_minutes: float = 10.0
    # Make-up requests (补卡): for a past day of this month or of this many months before.
    makeup_months_back: int = 1
    max_travel_kmh: float = 150.0
    forecast_window_days: int = 28
    township_leave_max_days: int = 3
    # Leave kinds that may be asked for on their first day (flagged same-day); others
    # must be asked at least a day before. A return (销假) may be declared this many days
    # late before it is marked back-dated.
    same_day_leave_kinds: tuple[str, ...] = ("sick", "urgent")
    return_backdate_tolerance_days: int = 1
    # Visits (001)
    contact_every_days: int = 30
    visit_every_days: int = 60
    due_within_days: int = 7
    far_from_household_m: float = 300.0
    # A visit's position is taken when it is saved; a fix older than this (the phone may
    # have moved since) is taken again, and a visit in person is not saved without a fresh
    # one: walking 2 minutes moves a cadre about 150 m, half the far-from-household limit.
    visit_fix_max_age_s: int = 120
    photo_old_hours: float = 24.0
    exif_gps_far_m: float = 1000.0
    duplicate_photo_max_distance: int = 6
    # Spot checks and bulletin (001, 002)
    visit_backcheck_share: float = 0.15
    satisfaction_warning_below: float = 0.70
    # The week's spot-check workload (issue 15): checks one area's draw may hold (a county
    # of 1,520 cadres drew 1,713 uncapped) and checks of one week one checker takes; a
    # field result further than this beyond the village fence is flagged.
    spotcheck_area_week_cap: int = 300
    spotcheck_checker_week_cap: int = 60
    spotcheck_far_from_village_m: float = 1000.0
    # Satisfaction is judged (scored, warned about) only on at least this many answers in
    # the month: with fewer, one "unsatisfied" makes 0 %. Five answers: one unsatisfied
    # leaves 80 %, two (60 %) make the warning talk due, as a county office would read it.
    satisfaction_min_answers: int = 5
    # 季众评 (domain/public_evaluation.py): a figure is judged on at least this many answers;
    # this many link answers from one device within so many minutes are a burst (flagged).
    evaluation_min_answers: int = 5
    evaluation_burst_answers: int = 3
    evaluation_burst_minutes: int = 30
    # Links tried from one network that lead nowhere, per hour, before it is refused (429).
    evaluation_bad_links_per_hour: int = 30
    # Notifications: days without a counted check-in before the township is told; days
    # after 销假 fell due before it is overdue and the township is told.
    silent_days: int = 3
    return_overdue_after_days: int = 3
    # Less burden (减负, issue 20). National rules against "fingertip formalism" (2024) say
    # photo proof must not be the measure of work, and the reported 2026 measure on
    # government apps forbids points rankings and forced photo uploads unless a rule
    # requires them. The legal basis of this service is the days-in-village rule, so both
    # are off unless a deployment says its county's rules require them (Yuexi's bulletin
    # does: seed 001's red flag and yellow card). With the ranking off the bulletin still
    # reports each team's parts, the serious findings and the satisfaction warnings, with no
    # score, rank, red flag or yellow card; with photos not required a visit in person is
    # saved without one (its position and time are the evidence; photos stay optional).
    bulletin_ranking: bool = False
    visit_photo_required: bool = False
    # The annual assessment (年考核, seeds 001, 002; Guangxi's rule): absences from post
    # without leave found in the year give a ceiling on the county's grade: from this many
    # no 优秀, from this many at most 基本称职, from this many 不称职 (0: the step is off).
    assessment_absences_no_excellent: int = 1
    assessment_absences_basic: int = 2
    assessment_absences_incompetent: int = 3
    # Fewer counted days than the target (the forecast while the year runs) takes 优秀 away
    # (002: idle or absent cadres lose the year's awards); so do this many months with a
    # yellow card for the team and this many visits households denied (0: off).
    assessment_short_days_no_excellent: bool = True
    assessment_yellow_cards_no_excellent: int = 1
    assessment_denied_visits_no_excellent: int = 1
    # The county records a year's grades from the first day of this month of the year on.
    assessment_opens_month: int = 12
    # Duties over several villages (003, domain/rounds.py): an envoy's visits to each
    # village a week; a district secretary's visits to each village of the district a month.
    envoy_visits_per_week: int = 1
    district_visits_per_month: int = 1
    bulletin_weights: dict[str, float] = field(
        default_factory=lambda: {
            "attendance": 0.35,
            "coverage": 0.30,
            "spotcheck": 0.20,
            "satisfaction": 0.15,
        }
    )


DEFAULT_POLICY = Policy()
