"""The one table of refusals: code -> HTTP status and the sentence, translated at the edge.

Every :class:`~checkin.domain.refusal.Refusal` raised by the domain, the services, the photo
pipeline, the roster import or the API's parsing is answered from here: the API with
``{"error": {"code", "message", "fields"}}``, a page with the same sentence. Sentences are
gettext msgids in English with named ``%(name)s`` placeholders (Chinese in messages.po);
enum-like params (a leave's status or kind, ...) are translated through :data:`WORDS`.
A roster file's problems are rendered from the same table, under ``roster_<code>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from checkin.domain.refusal import Problem, Refusal


@dataclass(frozen=True)
class Entry:
    status: int
    sentence: LazyString


# A village's boundary as its fence (domain/boundary.py): from the admin's page and, under
# roster_<code>, from a roster's boundary column.
BOUNDARY: Mapping[str, Entry] = {
    "boundary_too_long": Entry(422, _l("The boundary is longer than %(limit)s characters; "
                                       "simplify it in your map software.")),
    "boundary_unreadable": Entry(422, _l("The boundary is neither WKT (POLYGON((lon lat, …))) "
                                         "nor GeoJSON.")),
    "boundary_not_polygon": Entry(422, _l("The boundary must be a POLYGON or MULTIPOLYGON, "
                                          "not %(found)s.")),
    "boundary_not_closed": Entry(422, _l("A ring of the boundary is not closed: its last "
                                         "point must repeat its first.")),
    "boundary_crosses_itself": Entry(422, _l("The boundary crosses itself or its parts "
                                             "overlap (near %(lat)s, %(lon)s).")),
    "boundary_outside_china": Entry(422, _l("A point of the boundary (%(lat)s, %(lon)s) is "
                                            "outside China; WKT and GeoJSON write the "
                                            "longitude first.")),
    "boundary_too_many_vertices": Entry(422, _l("The boundary has %(count)s points, more than "
                                                "%(limit)s; simplify it in your map "
                                                "software.")),
    "boundary_too_small": Entry(422, _l("The boundary encloses %(area_m2)s m², less than a "
                                        "fence may (%(limit_m2)s m²).")),
    "boundary_too_large": Entry(422, _l("The boundary encloses %(area_km2)s km², more than a "
                                        "fence may (%(limit_km2)s km²).")),
}

TABLE: Mapping[str, Entry] = {
    **BOUNDARY,
    **{f"roster_{code}": entry for code, entry in BOUNDARY.items()},
    # The HTTP layer: answers that are not a rule of the service.
    "bad_request": Entry(400, _l("The request could not be understood.")),
    "not_signed_in": Entry(401, _l("Sign in first (session cookie or Bearer token).")),
    "forbidden": Entry(403, _l("You are not allowed to do this.")),
    "full_numbers_not_allowed": Entry(403, _l("Full phone numbers are exported only to those "
                                              "who must call them; export without them.")),
    "not_found": Entry(404, _l("Not found.")),
    "method_not_allowed": Entry(405, _l("This method is not allowed here.")),
    "conflict": Entry(409, _l("This conflicts with what is already stored.")),
    "too_large": Entry(413, _l("The upload is too large.")),
    "body_too_large": Entry(413, _l("The request is larger than the %(limit_kb)s KB allowed "
                                 "here.")),
    "unsupported_media_type": Entry(415, _l("This type of content is not supported.")),
    "too_many_requests": Entry(429, _l("Too many attempts. Please wait and try again.")),
    "server_error": Entry(500, _l("Something went wrong.")),
    "unavailable": Entry(503, _l("The database is unavailable for a moment. Try again shortly.")),
    "csrf_failed": Entry(400, _l("The form expired or was sent from elsewhere. Reload the page "
                              "and try again.")),
    "out_of_range": Entry(400, _l("A number in the request is out of range.")),
    "invalid_credentials": Entry(401, _l("Wrong username or password.")),
    "no_token": Entry(400, _l("Send the token to revoke as a Bearer token.")),
    # Parsing a request: one code per kind of wrong value, `name` is the input's name.
    "malformed_json": Entry(400, _l("%(name)s must be a JSON object.")),
    "text_has_nul": Entry(400, _l("%(name)s must not contain NUL characters.")),
    "json_too_deep": Entry(400, _l("%(name)s nests arrays and objects more than %(limit)s "
                                "levels deep.")),
    "field_required": Entry(400, _l("%(name)s is required.")),
    "email_invalid": Entry(422, _l("This does not look like an e-mail address.")),
    "email_too_long": Entry(422, _l("An e-mail address has at most %(most)s characters.")),
    "invalid_text": Entry(400, _l("%(name)s must be text of at most %(limit)s characters.")),
    "not_a_number": Entry(400, _l("%(name)s must be a number.")),
    "not_an_integer": Entry(400, _l("%(name)s must be an integer.")),
    "not_a_bool": Entry(400, _l("%(name)s must be true or false.")),
    "not_an_object": Entry(400, _l("%(name)s must be an object or null.")),
    "not_in_choices": Entry(400, _l("%(name)s must be one of: %(choices)s.")),
    "not_a_time": Entry(400, _l("%(name)s must be an ISO 8601 time such as "
                             "2026-11-22T08:05:00+08:00.")),
    "time_needs_offset": Entry(400, _l("%(name)s needs an offset such as +08:00.")),
    "not_a_clock_time": Entry(400, _l("%(name)s must be a time of day such as 08:30.")),
    "not_a_date": Entry(400, _l("%(name)s must be a date like 2026-11-22.")),
    "not_degrees": Entry(400, _l("%(name)s must be WGS-84 degrees.")),
    "invalid_id": Entry(400, _l("id must be a UUID made on the phone.")),
    "invalid_paging": Entry(400, _l("limit must be a whole number from 1 to %(most)s and cursor "
                                 "a whole number from 0.")),
    "invalid_cursor": Entry(400, _l("cursor must be the next_cursor of the page before, as it "
                                 "was given.")),
    "invalid_year": Entry(400, _l("year must look like 2026.")),
    "invalid_month": Entry(400, _l("month must look like 2026-11.")),
    "invalid_week": Entry(400, _l("week must look like 2026-W47.")),
    "photo_exif_count": Entry(400, _l("photo_exif has one entry per photo, in order "
                                   "(%(count)s).")),
    "id_conflict": Entry(409, _l("A different record was already sent under this id.")),
    # Positions and times (the domain's geofence).
    "invalid_latitude": Entry(422, _l("Latitude %(lat)s is not between -90 and 90")),
    "invalid_longitude": Entry(422, _l("Longitude %(lon)s is not between -180 and 180")),
    "invalid_accuracy": Entry(422, _l("Accuracy %(accuracy_m)s is not a valid number of metres")),
    "recorded_at_naive": Entry(422, _l("The recorded time has no time zone offset")),
    "recorded_at_in_future": Entry(422, _l("The recorded time is %(ahead_minutes)s minutes ahead "
                                        "of the server; check the phone's clock")),
    "position_incomplete": Entry(422, _l("Send both lat and lon, or neither.")),
    "no_village": Entry(422, _l("This account has no village.")),
    # Leave (the domain's attendance rules and their service).
    "leave_bad_kind": Entry(422, _l("Unknown leave kind %(kind)s")),
    "leave_dates_reversed": Entry(422, _l("The end date is before the start date")),
    "leave_backdated": Entry(422, _l("Leave must be asked for beforehand: it cannot start "
                                  "before %(earliest)s")),
    "leave_too_long": Entry(422, _l("One leave is at most %(max_days)s days, this one is "
                                 "%(days)s")),
    "leave_overlaps": Entry(422, _l("Overlaps the leave from %(other_start)s to %(other_end)s")),
    "leave_bad_state": Entry(422, _l("A leave that is %(status)s cannot become %(target)s")),
    # The daily log (日纪实, checkin/domain/daily_log.py).
    "daily_log_empty": Entry(422, _l("Write something in the daily log first")),
    "daily_log_too_long": Entry(422, _l("A daily log is at most %(limit)s characters, this "
                                     "one has %(length)s")),
    "daily_log_future": Entry(422, _l("%(day)s has not come yet: write the log on the day")),
    "daily_log_too_old": Entry(422, _l("The log of %(day)s can no longer be written: days "
                                    "from %(earliest)s on")),
    "daily_log_exists": Entry(409, _l("This day already has a log: open it again and edit "
                                   "it")),
    "daily_log_stale": Entry(409, _l("The log was changed since you opened it: open it "
                                  "again to see the newest version")),
    "daily_log_unknown_version": Entry(422, _l("The version to replace is not a log of "
                                            "this day")),
    # Make-up requests (补卡, checkin/domain/makeup.py).
    "correction_not_past": Entry(422, _l("A make-up is for a past day: %(day)s is not over "
                                      "yet (check in instead)")),
    "correction_too_old": Entry(422, _l("A make-up can be asked for days from %(earliest)s "
                                     "on")),
    "correction_day_counts": Entry(422, _l("%(day)s already counts: no make-up needed")),
    "correction_pending": Entry(422, _l("A make-up for %(day)s was already asked for")),
    "correction_needs_comment": Entry(422, _l("A rejection needs a comment for the cadre")),
    "leave_rejection_needs_reason": Entry(422, _l("A rejection needs a reason for the cadre")),
    "correction_decided": Entry(409, _l("This make-up was already %(status)s by %(name)s "
                                     "at %(at)s")),
    "leave_same_day_kind": Entry(422, _l("%(kind)s must be asked for by the day before: it can "
                                      "start on %(earliest)s at the earliest.")),
    "leave_already_decided": Entry(409, _l("This leave was already %(status)s by %(by)s at "
                                        "%(at)s.")),
    "return_in_future": Entry(422, _l("The return date cannot be after today")),
    "return_before_start": Entry(422, _l("The return date cannot be before the leave starts "
                                      "(%(start)s)")),
    "needs_county": Entry(403, _l("Leave of this length is approved by the county.")),
    # Passwords.
    "password_too_short": Entry(422, _l("The password needs at least %(min_length)s "
                                     "characters.")),
    "password_common": Entry(422, _l("This password is too common. Choose another.")),
    "password_weak": Entry(422, _l("This password is too easy to guess. Use a longer one, "
                                   "such as a few unrelated words.")),
    "current_password_wrong": Entry(422, _l("The current password is wrong.")),
    "second_factor_needed": Entry(401, _l("Type the code from your authenticator app (or a "
                                       "recovery code).")),
    "second_factor_wrong": Entry(401, _l("The code is wrong or was used already.")),
    "second_factor_required": Entry(403, _l("Your role must sign in with a second factor: set "
                                         "it up on the security page first.")),
    "second_factor_required_here": Entry(422, _l("Your role must keep a second factor; an "
                                              "admin can remove a lost one.")),
    "second_factor_already_on": Entry(409, _l("The second factor is already on.")),
    "second_factor_not_started": Entry(409, _l("Start setting up the second factor first.")),
    "session_expired": Entry(401, _l("The session ended after a time without use or at its "
                                  "time limit. Sign in again.")),
    "password_kinds": Entry(422, _l("Mix at least %(kinds)s kinds of character: lower case, "
                                 "upper case, digits, punctuation, other letters (or use a "
                                 "passphrase of %(passphrase)s characters or more).")),
    "password_has_username": Entry(422, _l("The password must not contain the username.")),
    "password_reused": Entry(422, _l("This is one of your last %(history)s passwords. Choose a "
                                  "new one.")),
    "password_expired": Entry(403, _l("Your password is too old: please change it before you "
                                   "go on.")),
    "password_change_required": Entry(403, _l("Please change your password before you go "
                                              "on: it was set by someone else.")),
    # Visits and their photos.
    "no_such_household": Entry(404, _l("No such household in your village.")),
    "no_such_visit": Entry(404, _l("The visit to correct does not exist.")),
    "position_required": Entry(422, _l("A visit in person needs the position.")),
    "correction_reason_required": Entry(422, _l("Say why the visit is corrected.")),
    "no_proposal": Entry(422, _l("No position has been proposed for this household.")),
    "too_many_photos": Entry(413, _l("At most %(most)s photos per visit.")),
    "photo_required": Entry(422, _l("A visit in person needs at least one photo here.")),
    "photo_too_large": Entry(413, _l("Photo %(photo)s (%(name)s): larger than %(limit_mb)s MB.")),
    "photo_unsupported_format": Entry(415, _l("Photo %(photo)s (%(name)s): not a JPEG, PNG, WebP "
                                           "or HEIC/HEIF image.")),
    "photo_too_many_pixels": Entry(422, _l("Photo %(photo)s (%(name)s): the image has too many "
                                        "pixels.")),
    "photo_too_complex": Entry(422, _l("Photo %(photo)s (%(name)s): a JPEG with too many "
                                    "scans.")),
    "photo_undecodable": Entry(422, _l("Photo %(photo)s (%(name)s): cannot decode the "
                                    "%(format)s data.")),
    # Spot checks.
    "week_not_begun": Entry(422, _l("A week is drawn from its Monday on, when last week's visits "
                                 "are all in.")),
    "week_too_old": Entry(422, _l("Only this week and last week can be drawn.")),
    "method_unknown": Entry(422, _l("method is phone or field.")),
    "outcome_unknown": Entry(422, _l("outcome is confirmed, not_confirmed or unreachable.")),
    "satisfaction_unknown": Entry(422, _l("satisfaction is satisfied, basic or unsatisfied.")),
    "satisfaction_only_households": Entry(422, _l("Satisfaction is asked of households, on visit "
                                               "back-checks only.")),
    "satisfaction_needs_answer": Entry(422, _l("No satisfaction without an answer from the "
                                            "household.")),
    "position_only_field": Entry(422, _l("A position is recorded for field checks only.")),
    "already_recorded": Entry(409, _l("This check already has a result; results are never "
                                   "changed.")),
    "result_before_window": Entry(422, _l("This check's window opens at %(at)s: record the "
                                       "result then, or say why it comes early.")),
    "result_correction_reason": Entry(422, _l("Say why the result is corrected.")),
    "correction_changes_nothing": Entry(422, _l("The correction says what the result says "
                                             "already.")),
    "correction_after_appeal": Entry(409, _l("This finding has been appealed: the county's "
                                          "decision on the appeal settles it, not a "
                                          "correction.")),
    "correction_conflict": Entry(409, _l("Another correction of this result was saved first; "
                                      "it is shown.")),
    "checker_not_in_area": Entry(422, _l("Choose a supervisor of the check's village.")),
    "checker_week_full": Entry(409, _l("%(name)s has %(cap)s checks this week already, the "
                                    "most one checker takes.")),
    "appeal_reason_required": Entry(422, _l("Say why the finding should be excused.")),
    "appeal_not_a_failure": Entry(422, _l("Only a serious finding can be appealed.")),
    "appeal_exists": Entry(409, _l("This finding has been appealed already; an appeal is made "
                                "once.")),
    "appeal_needs_county": Entry(403, _l("Appeals are decided by the county.")),
    "appeal_own": Entry(403, _l("Whoever made an appeal does not decide it.")),
    "appeal_decided": Entry(409, _l("This appeal was already decided by %(by)s at %(at)s.")),
    # Bulletins and team reports.
    "month_not_begun": Entry(422, _l("This month has not begun.")),
    "month_not_finished": Entry(422, _l("%(month)s is not over yet: its bulletin is "
                                     "provisional and can be published from %(day)s "
                                     "(Beijing time).")),
    "bulletin_published": Entry(409, _l("This bulletin was published on %(date)s and "
                                     "%(teams)s team(s) have changed since. To publish a "
                                     "correction, give its reason.")),
    "bulletin_not_published": Entry(404, _l("The bulletin of %(month)s has not been "
                                         "published.")),
    "publish_not_confirmed": Entry(400, _l("Tick the box to confirm: once published, the "
                                        "month's bulletin does not change.")),
    "publish_needs_county": Entry(403, _l("Only the county (or above) publishes the monthly "
                                       "bulletin.")),
    "talk_recorded": Entry(409, _l("This warning talk has already been recorded.")),
    "talk_in_future": Entry(422, _l("%(day)s is in the future: record a talk once it has "
                                 "been held.")),
    "talk_before_month": Entry(422, _l("%(day)s is before %(first)s, the first day of the "
                                    "month the talk is about.")),
    # 季众评, the quarterly public evaluation (domain/public_evaluation.py).
    "invalid_quarter": Entry(400, _l("quarter must look like 2026-Q4.")),
    "quarter_not_begun": Entry(422, _l("This quarter has not begun.")),
    "evaluation_quarter_over": Entry(422, _l("The evaluation of %(quarter)s is closed: answers "
                                          "are taken only while the quarter runs.")),
    "evaluation_answered": Entry(409, _l("This household has already answered the evaluation "
                                      "of %(quarter)s. Each household answers once a "
                                      "quarter.")),
    "evaluation_link_invalid": Entry(404, _l("This link is not valid: it may have expired with "
                                          "its quarter or been replaced by a new sheet.")),
    "evaluation_team_rating": Entry(422, _l("Choose how satisfied you are with the work team.")),
    "evaluation_knows": Entry(422, _l("Say for each cadre whether you know them.")),
    "evaluation_cadre_rating": Entry(422, _l("Choose how satisfied you are with each cadre you "
                                          "know.")),
    "evaluation_unknown_rated": Entry(422, _l("A cadre you do not know is not rated.")),
    "evaluation_cadre_unknown": Entry(422, _l("Only the cadres of this village's team are "
                                           "rated.")),
    "position_evidence_weak": Entry(422, _l("This visit's evidence does not hold (outside "
                                         "the fence, or a reused or old photo): its position "
                                         "cannot be confirmed as the household's.")),
    "no_such_period": Entry(404, _l("No such period.")),
    "period_not_begun": Entry(404, _l("This period has not begun.")),
    "not_team_leader": Entry(403, _l("Only the team leader writes the report.")),
    "report_final": Entry(409, _l("This report is final and cannot be changed.")),
    "too_early": Entry(422, _l("A report is finalised from the last working day of its period "
                            "on.")),
    # The annual assessment (年考核) and the pledge with its quarterly reports (年承诺、季报告).
    "assessment_grade_unknown": Entry(422, _l("Choose one of the four grades.")),
    "assessment_reason_required": Entry(422, _l("Say why the cadre gets this grade.")),
    "assessment_above_ceiling": Entry(422, _l("This grade is above what the records allow: "
                                           "write why, in at least %(min)s characters.")),
    "assessment_needs_county": Entry(403, _l("Annual grades are given by the county.")),
    "assessment_not_open": Entry(422, _l("The grades of %(year)s are given from month "
                                      "%(month)s of that year on.")),
    "assessment_changed_meanwhile": Entry(409, _l("Someone decided this cadre's grade "
                                               "meanwhile: read the page again first.")),
    # The township party committee's opinion before the county grades (乡镇党委意见).
    "opinion_needs_township": Entry(403, _l("This opinion is written by the township of the "
                                         "cadre's village, not by the county or an "
                                         "admin.")),
    "opinion_not_your_township": Entry(403, _l("Only the township of the cadre's village "
                                            "writes this opinion.")),
    "opinion_after_decision": Entry(409, _l("The township's opinion is closed: the county "
                                         "has graded this year.")),
    "opinion_not_open": Entry(422, _l("The township's opinions on %(year)s are written "
                                   "from month %(month)s of that year on.")),
    "opinion_changed_meanwhile": Entry(409, _l("The township's opinion was written again "
                                            "meanwhile: read the page again first.")),
    "opinion_text_required": Entry(422, _l("Write the township's opinion.")),
    "opinion_text_short": Entry(422, _l("An opinion takes at least %(min)s characters.")),
    "opinion_text_long": Entry(422, _l("The opinion is longer than %(limit)s characters "
                                    "(%(n)s written).")),
    "opinion_grade_unknown": Entry(422, _l("Suggest one of the four grades, or none.")),
    "pledge_empty": Entry(422, _l("Write at least one commitment.")),
    "pledge_too_many": Entry(422, _l("A pledge has at most %(limit)s commitments.")),
    "pledge_year": Entry(422, _l("A pledge is written for this year or the next.")),
    "pledge_fixed": Entry(409, _l("The pledge of %(year)s is fixed: a quarterly report has "
                               "been handed in against it.")),
    "report_entries_mismatch": Entry(422, _l("Report on each of the %(expected)s "
                                          "commitments.")),
    "report_status_unknown": Entry(422, _l("Choose done, in progress or not done.")),
    "report_text_required": Entry(422, _l("Commitment %(n)s is not done: say why, or how "
                                       "far it has come.")),
    "report_review_needs_township": Entry(403, _l("Quarterly reports are reviewed by the "
                                               "township.")),
    "report_decision_unknown": Entry(422, _l("Approve the report or return it.")),
    "report_not_pending": Entry(409, _l("This report is not waiting for a review.")),
    "report_return_needs_remark": Entry(422, _l("Say what the team should change.")),
    "report_quarter_not_open": Entry(422, _l("%(quarter)s is reported from its last month "
                                          "on.")),
    "report_needs_pledge": Entry(409, _l("Write the pledge of %(year)s first.")),
    "report_waiting": Entry(409, _l("The report on %(quarter)s waits for the township's "
                                 "review.")),
    "report_approved": Entry(409, _l("The report on %(quarter)s is approved.")),
    # A roster file: the refusal, then each of its problems (roster_<problem code>).
    # Warnings on a team's make-up (seed 002: 3 people, 1 first secretary): the file imports.
    "roster_makeup_no_first_secretary": Entry(422, _l("team %(team)s has no first secretary "
                                                   "(%(size)s members)")),
    "roster_makeup_two_first_secretaries": Entry(422, _l("team %(team)s has %(count)s first "
                                                      "secretaries")),
    "roster_makeup_team_size": Entry(422, _l("team %(team)s has %(size)s members, not 3")),
    "roster_makeup_no_township_member": Entry(422, _l("team %(team)s has no member from the "
                                                   "township")),
    "roster_makeup_several_teams_in_village": Entry(422, _l("team %(team)s shares its village "
                                                         "with other teams (%(count)s teams "
                                                         "in one village)")),
    "roster_rejected": Entry(422, _l("Nothing was imported: %(count)s problem(s) in the file.")),
    "roster_file_too_large": Entry(422, _l("the file is larger than %(limit_mb)s MB")),
    "roster_file_type": Entry(422, _l("only .xlsx and .csv files are accepted")),
    "roster_not_xlsx": Entry(422, _l("not a valid .xlsx file (%(detail)s)")),
    "roster_zip_bomb": Entry(422, _l("the file expands to too much data (a zip bomb?) and was "
                                  "refused")),
    "roster_encoding": Entry(422, _l("the CSV file is neither UTF-8 nor GBK")),
    "roster_csv_malformed": Entry(422, _l("malformed CSV: %(detail)s")),
    "roster_unknown_sheet": Entry(422, _l("unknown sheet “%(name)s”; expected one of: "
                                       "%(expected)s")),
    "roster_duplicate_sheet": Entry(422, _l("this sheet appears more than once")),
    "roster_no_sheets": Entry(422, _l("the file holds no sheet to import")),
    "roster_too_many_rows": Entry(422, _l("more than %(limit)s rows; split the file")),
    "roster_missing_header": Entry(422, _l("the column “%(name)s” is missing")),
    "roster_unknown_header": Entry(422, _l("unknown column “%(name)s”")),
    "roster_formula": Entry(422, _l("the cell holds a formula; paste values instead")),
    "roster_too_long": Entry(422, _l("longer than %(limit)s characters")),
    "roster_required": Entry(422, _l("required, but empty")),
    "roster_not_number": Entry(422, _l("“%(value)s” is not a number")),
    "roster_latitude": Entry(422, _l("latitude %(value)s is outside -90..90")),
    "roster_longitude": Entry(422, _l("longitude %(value)s is outside -180..180")),
    "roster_outside_china": Entry(422, _l("position (%(lat)s, %(lon)s) is outside China; are "
                                       "latitude and longitude swapped?")),
    "roster_radius": Entry(422, _l("radius %(value)s m must be 50..20000")),
    "opening_go_live_outside_year": Entry(422, _l("The go-live date must be in %(year)s, "
                                                  "the year of the balance")),
    "opening_bad_days": Entry(422, _l("“%(value)s” is not a number of days (0 to 366)")),
    "opening_too_many_days": Entry(422, _l(
        "%(days)s days before go-live on %(go_live)s is more than the term had: at most "
        "%(most)s")),
    "opening_bad_year": Entry(422, _l("“%(value)s” is not a year (write it as 2026)")),
    "opening_not_a_cadre": Entry(422, _l("Only a cadre has an opening balance")),
    "roster_opening_needs_go_live": Entry(422, _l(
        "days before go-live need the go-live date column as well")),
    "roster_opening_bad_days": Entry(422, _l("“%(value)s” is not a number of days (0 to 366)")),
    "roster_opening_too_many_days": Entry(422, _l(
        "%(days)s days before go-live on %(go_live)s is more than the term had: at most "
        "%(most)s")),
    "roster_opening_go_live_outside_year": Entry(422, _l(
        "The go-live date must be in %(year)s, the year of the balance")),
    "roster_date_in_future": Entry(422, _l("%(value)s is after today")),
    "roster_not_date": Entry(422, _l("“%(value)s” is not a date (write 2026-01-31)")),
    "roster_date_order": Entry(422, _l("the term ends before it starts")),
    "roster_not_bool": Entry(422, _l("“%(value)s” must be yes or no")),
    "roster_not_choice": Entry(422, _l("“%(value)s” must be one of: %(choices)s")),
    "roster_duplicate_code": Entry(422, _l("%(value)s already appears in row %(first_row)s")),
    "roster_duplicate_code_elsewhere": Entry(422, _l("%(value)s already appears in sheet "
                                                  "%(first_sheet)s, row %(first_row)s")),
    "roster_example_row": Entry(422, _l("this is an example row of the template; delete it and "
                                     "write your own data")),
    "roster_unknown_ref_many": Entry(422, _l("unknown %(what)s “%(value)s” (also in %(more)s "
                                          "more rows)")),
    "roster_not_phone": Entry(422, _l("“%(value)s” is not a phone number")),
    "roster_ignored_column": Entry(422, _l("the column “%(name)s” is not a roster column and "
                                        "was ignored")),
    "roster_no_files": Entry(422, _l("Choose one or more roster files (.xlsx or .csv).")),
    "roster_job_error": Entry(500, _l("the import failed on our side; nothing was imported")),
    "credentials_taken": Entry(410, _l("The initial passwords were already downloaded; reset "
                                    "a password to give a new one.")),
    "roster_unknown_ref": Entry(422, _l("unknown %(what)s “%(value)s”")),
    "roster_bad_parent_level": Entry(422, _l("parent area “%(value)s” has the wrong level")),
    "roster_not_township": Entry(422, _l("“%(value)s” is not a township")),
    "roster_not_cadre": Entry(422, _l("account “%(value)s” is not a cadre")),
    "roster_role_conflict": Entry(422, _l("account “%(value)s” already has another role")),
    "roster_two_leaders": Entry(422, _l("team %(value)s has more than one first secretary")),
    "roster_username": Entry(422, _l("a username holds only letters, digits, dot, dash and "
                                  "underscore")),
    # An admin's edits (services/people/administration.py).
    "invalid_phone": Entry(422, _l("“%(value)s” is not a phone number.")),
    "invalid_email": Entry(422, _l("“%(value)s” is not an e-mail address.")),
    "invalid_number": Entry(422, _l("“%(value)s” is not a number.")),
    "invalid_radius": Entry(422, _l("The fence radius %(value)s m must be between %(low)s and "
                                 "%(high)s m.")),
    "invalid_coordinate_system": Entry(422, _l("Choose the map the position was read from.")),
    "outside_china": Entry(422, _l("The position (%(lat)s, %(lon)s) is outside China; are "
                                "latitude and longitude swapped?")),
    "unknown_village": Entry(422, _l("Choose the cadre's village.")),
    "team_not_in_village": Entry(422, _l("Team %(team)s does not work in %(village)s.")),
    "helper_not_in_village": Entry(422, _l("The helper must be an active cadre of the "
                                        "household's village.")),
    "still_helps_households": Entry(422, _l("The cadre still helps %(count)s households here: "
                                         "give them another helper first.")),
    "still_leads_team": Entry(422, _l("The cadre still leads a team here: name another leader "
                                   "first.")),
    "correction_lightens_needs_county": Entry(403, _l("Only the county can correct a serious "
                                                   "finding away; or appeal it.")),
    "correction_lightens_own": Entry(403, _l("A serious finding is corrected away by another "
                                          "supervisor of the county, not by whoever "
                                          "recorded it.")),
    "admin_account_by_command": Entry(403, _l("With duties separated, an administrator's "
                                           "account is changed on the server "
                                           "(flask set-password), not on a page.")),
    "unknown_team_role": Entry(422, _l("Unknown role in the team.")),
    "cannot_disable_self": Entry(422, _l("You cannot disable your own account.")),
    # Trainings and quarterly meetings
    "training_token_invalid": Entry(422, _l("This is not the sign-in code of this session: "
                                         "scan the code on the organiser's screen.")),
    "training_token_expired": Entry(422, _l("The sign-in code has expired (it changes every "
                                         "minute): scan the code on the organiser's screen "
                                         "again.")),
    "training_not_invited": Entry(403, _l("You are not on the list of this session: ask the "
                                       "organiser.")),
    "training_bad_kind": Entry(422, _l("Unknown kind of session %(kind)s")),
    "training_days_reversed": Entry(422, _l("The last day is before the first day.")),
    "training_too_long": Entry(422, _l("A session lasts at most %(max_days)s days.")),
    "training_hours_reversed": Entry(422, _l("The session ends before it starts.")),
    "training_bad_radius": Entry(422, _l("The venue's radius must be between %(low)s and "
                                      "%(high)s m.")),
    "training_bad_audience": Entry(422, _l("Unknown audience %(audience)s")),
    "training_nobody_invited": Entry(422, _l("Nobody would be asked to this session: choose "
                                          "who must attend.")),
    "training_day_outside": Entry(422, _l("The day must be a day of the session (%(first)s to "
                                       "%(last)s).")),
    "training_day_future": Entry(422, _l("Nobody is marked present for a day that has not "
                                      "come.")),
    "training_mark_needs_reason": Entry(422, _l("Say why you mark them present (a paper list, "
                                             "no signal at the venue...).")),
    "training_mark_nobody": Entry(422, _l("Choose who to mark present among those asked.")),
    # Recall and rotation (domain/rotation.py).
    "rotation_already_left": Entry(409, _l("This cadre has already left the post.")),
    "rotation_open": Entry(409, _l("A request for this post is already waiting for the "
                                "county.")),
    "rotation_before_term": Entry(422, _l("The last day on post (%(day)s) cannot be before the "
                                       "term began (%(start)s).")),
    "rotation_after_term": Entry(422, _l("%(day)s is after the term ends (%(end)s).")),
    "rotation_not_backdated": Entry(422, _l("A reason for back-dating is only given when the "
                                         "last day on post is before today.")),
    "rotation_start_backdated": Entry(422, _l("The replacement cannot start before today "
                                           "(%(day)s is before %(today)s).")),
    "rotation_start_before_leave": Entry(422, _l("The replacement starts on %(day)s, before "
                                              "the last day of the cadre who leaves "
                                              "(%(leaves)s).")),
    "rotation_needs_county": Entry(403, _l("Recalls and rotations are approved by the county.")),
    "rotation_own_request": Entry(403, _l("A request is decided by another supervisor than "
                                       "the one who made it.")),
    "rotation_decided": Entry(409, _l("This request has already been decided.")),
    "outside_helper_not_in_village": Entry(422, _l("This helper is registered for another "
                                                "village.")),
    # A household's move to another village (domain/moves.py).
    "move_village_not_held": Entry(422, _l("The new village is not in your jurisdiction: a "
                                        "household is moved by a supervisor who holds both "
                                        "villages, or by an admin.")),
    "move_same_village": Entry(422, _l("The household is already in %(village)s.")),
    "move_helper_stays": Entry(422, _l("The old helper lives in the old village and cannot "
                                    "stay: choose a cadre of the new village.")),
    "move_helper_not_in_village": Entry(422, _l("The new helper must be an active cadre of "
                                             "%(village)s.")),
    "move_outside_not_in_village": Entry(422, _l("This responsible helper is registered for "
                                              "another village: choose one of %(village)s, "
                                              "or none.")),
    "move_day_required": Entry(422, _l("Give the day of the move.")),
    "move_day_not_a_date": Entry(422, _l("The day of the move must be a date like "
                                      "2026-06-01.")),
    "move_day_future": Entry(422, _l("The day of the move (%(day)s) is in the future.")),
    "move_day_before_history": Entry(422, _l("The move cannot be dated before the "
                                          "household's last record (%(day)s).")),
    "move_reason_required": Entry(422, _l("Give the reason for the move.")),
    "move_reason_too_long": Entry(422, _l("The reason has at most %(limit)s characters.")),
    "move_address_too_long": Entry(422, _l("The new address has at most %(limit)s "
                                        "characters.")),
    "rotation_bad_replacement": Entry(422, _l("The replacement must be another active cadre "
                                           "in your jurisdiction, with no check-ins or "
                                           "households in another village.")),
    # Duties over several villages (domain/rounds.py).
    "round_no_villages": Entry(422, _l("Choose the villages of the duty.")),
    "round_district_one_township": Entry(422, _l("The villages of a district are all in one "
                                              "township.")),
    "round_one_county": Entry(422, _l("The villages of one duty are all in one county.")),
    "round_bad_kind": Entry(422, _l("Unknown kind of duty %(kind)s")),
    "round_needs_weekday": Entry(422, _l("Choose the district secretary's fixed day on "
                                      "site.")),
    "round_bad_holder": Entry(422, _l("The holder must be an active cadre or supervisor "
                                   "account.")),
    "round_unknown_village": Entry(422, _l("Unknown village code %(village)s")),
    "round_too_many_villages": Entry(422, _l("A duty holds at most %(limit)s villages.")),
    "round_already_ended": Entry(409, _l("This duty has already ended.")),
    "round_end_before_start": Entry(422, _l("A duty cannot end (%(day)s) before it began "
                                         "(%(start)s).")),
    "round_not_your_village": Entry(403, _l("This village is not one of your duty's villages "
                                         "on that day.")),
}

# Values of enum-like params (those named in ENUM_PARAMS), as a reader knows them.
ENUM_PARAMS = frozenset({"status", "target", "kind", "what"})
WORDS: Mapping[str, LazyString] = {
    "pending": _l("pending"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "closed": _l("closed"),
    "withdrawn": _l("withdrawn"),
    "personal": _l("personal leave"),
    "sick": _l("sick leave"),
    "urgent": _l("urgent leave"),
    "official": _l("official business"),
    "training": _l("training"),
    "meeting": _l("quarterly meeting"),
    "parent area": _l("parent area"),
    "township": _l("township"),
    "village": _l("village"),
    "sending unit": _l("sending unit"),
    "team": _l("team"),
    "area": _l("area"),
    "helper": _l("helper"),
}

_PROBLEM_WHERE = {
    "sheet": _l("sheet %(sheet)s"),
    "row": _l("row %(row)s"),
    "column": _l("column %(column)s"),
}
_COLUMN_LETTER = _l("column %(letter)s (%(column)s)")
_JOIN_WHERE = _l("%(first)s, %(second)s")
_WHERE_WHAT = _l("%(where)s: %(what)s")


class _KeepMissing(dict[str, Any]):
    """Leaves a placeholder as it is when its param was not given, instead of failing."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def status_of(code: str) -> int:
    entry = TABLE.get(code)
    return entry.status if entry is not None else 422


def word(value: object) -> object:
    """An enum-like value in the reader's language; anything else as it is."""
    if isinstance(value, str) and value in WORDS:
        return str(WORDS[value])
    return value


def sentence(code: str, params: Mapping[str, object] | None = None) -> str:
    """The sentence for `code` in the request's language (the code itself if unknown)."""
    entry = TABLE.get(code)
    if entry is None:
        return code
    words = _KeepMissing({k: word(v) if k in ENUM_PARAMS else v
                          for k, v in (params or {}).items()})
    return str(entry.sentence) % words


def message(refusal: Refusal) -> str:
    params = dict(refusal.params)
    if refusal.problems:
        params.setdefault("count", len(refusal.problems))
    return sentence(refusal.code, params)


def fields(refusal: Refusal) -> dict[str, str]:
    """The field -> reason map of the API's answer: the offending input, with the sentence."""
    return {refusal.field: message(refusal)} if refusal.field else {}


def problem_text(problem: Problem) -> str:
    """One problem of a file, with where it is: sheet, row, column."""
    what = sentence("roster_" + problem.code, problem.params)
    where = ""
    for key in ("sheet", "row", "column"):
        value = getattr(problem, key)
        if not value:
            continue
        if key == "column" and problem.letter:
            part = str(_COLUMN_LETTER) % {"letter": problem.letter, "column": value}
        else:
            part = str(_PROBLEM_WHERE[key]) % {key: value}
        where = str(_JOIN_WHERE) % {"first": where, "second": part} if where else part
    return str(_WHERE_WHAT) % {"where": where, "what": what} if where else what


def problem_rows(refusal: Refusal) -> list[dict[str, object]]:
    return [{"sheet": p.sheet, "row": p.row, "column": p.column, "letter": p.letter,
             "code": p.code, "message": problem_text(p)} for p in refusal.problems]
