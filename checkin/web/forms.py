"""Forms (Flask-WTF, so every one carries its CSRF token), and the one way a day typed in
a form is read."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from checkin.domain.refusal import Refusal
from checkin.roster.convert import CellError, convert, fold
from checkin.roster.schema import Column


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    """A code of the second factor: 6 digits from the app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


class FeedbackForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("suggestion", _l("A suggestion")), SelectChoice("problem", _l("A problem")),
        SelectChoice("complaint", _l("A complaint"))])
    text = TextAreaField(_l("What would you like to tell us?"),
                         validators=[DataRequired(), Length(max=2000)])


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=2000)])
    closes = BooleanField(_l("This answer closes it"), default=True)


class RosterForm(FlaskForm):
    file = MultipleFileField(_l("Roster files (.xlsx or .csv; several at once)"),
                             validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    pass


class PersonForm(FlaskForm):
    """An admin's edit of a person; the values are checked by the service, as the roster
    import checks them."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Length(max=64)])
    email = StringField(_l("E-mail"), validators=[Length(max=254)])
    is_leader = BooleanField(_l("First secretary (team leader)"))
    team_role = SelectField(_l("Role in the team"), default="", choices=[
        SelectChoice("", _l("Not recorded")),
        SelectChoice("first_secretary", _l("First secretary (from the sending unit)")),
        SelectChoice("unit_member", _l("Member from the sending unit")),
        SelectChoice("township_member", _l("Member from the township"))])
    village_code = StringField(_l("Village code"), validators=[Length(max=32)])
    team_code = StringField(_l("Team code"), validators=[Length(max=32)])


MAP_SYSTEMS = [
    SelectChoice("wgs84", _l("GPS / WGS-84")),
    SelectChoice("cgcs2000", _l("Tianditu / CGCS2000")),
    SelectChoice("gcj02", _l("AMap or Tencent / GCJ-02")),
    SelectChoice("bd09", _l("Baidu / BD-09"))]


class FenceForm(FlaskForm):
    lat = StringField(_l("Latitude of the centre"), validators=[DataRequired(), Length(max=40)])
    lon = StringField(_l("Longitude of the centre"), validators=[DataRequired(),
                                                                 Length(max=40)])
    radius_m = StringField(_l("Radius (m)"), validators=[DataRequired(), Length(max=40)])
    system = SelectField(_l("Read from which map"), choices=MAP_SYSTEMS)


class BoundaryForm(FlaskForm):
    """A village's boundary pasted as WKT or GeoJSON; empty goes back to the circle. Its
    length is judged by domain/boundary, which says the limit."""

    boundary_system = SelectField(_l("Read from which map"), choices=MAP_SYSTEMS)
    boundary = TextAreaField(_l("Boundary (WKT or GeoJSON, longitude first)"))


class OpeningForm(FlaskForm):
    """An opening balance at go-live (开账前天数); the service checks the values."""

    year = StringField(_l("Year of the balance"), validators=[DataRequired(), Length(max=4)])
    go_live = StringField(_l("Go-live date (the records count from this day)"),
                          validators=[DataRequired(), Length(max=10)])
    on_post_days = StringField(_l("Days on post before go-live"), validators=[Length(max=4)])
    official_days = StringField(_l("Days of official business before go-live"),
                                validators=[Length(max=4)])
    training_days = StringField(_l("Days of training before go-live"),
                                validators=[Length(max=4)])
    leave_days = StringField(_l("Days of leave before go-live"), validators=[Length(max=4)])
    note = StringField(_l("Where the numbers come from (register, document)"),
                       validators=[DataRequired(), Length(max=500)])


class HelperForm(FlaskForm):
    helper_id = SelectField(_l("Helper"), coerce=int, validate_choice=False)


class LeaveForm(FlaskForm):
    # The request's own id, made when the form is shown: the form sent twice (a double
    # tap, a resend after a timeout) is one request, stored once.
    request_id = HiddenField(default=lambda: str(uuid.uuid4()))
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("personal", _l("Personal leave")), SelectChoice("sick", _l("Sick leave")),
        SelectChoice("urgent", _l("Urgent leave")),
        SelectChoice("official", _l("Official business")),
        SelectChoice("training", _l("Training"))])
    start = DateField(_l("First day"), validators=[DataRequired()])
    end = DateField(_l("Last day"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class MakeupForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class DecisionForm(FlaskForm):
    comment = StringField(_l("Comment"), validators=[Length(max=1000)])


class WithdrawForm(FlaskForm):
    pass


class ReturnForm(FlaskForm):
    returned_on = DateField(_l("Back on"), validators=[DataRequired()])


class ChannelsForm(FlaskForm):
    """A person's own channels: the inbox is always on; these can be turned off."""

    email = StringField(_l("E-mail address"), validators=[Length(max=254)])
    email_on = BooleanField(_l("Send my notifications by e-mail"))
    webhook_on = BooleanField(_l("Pass my notifications to the province's platform"))


def form_day(text: str, name: str, code: str = "not_a_date") -> date | None:
    """A day typed in a form, in any way an office types one (2026-12-01, 2026/12/1,
    2026-1-1, 2026年12月1日, 20261201, full-width digits), read as the roster import reads
    it; empty is None. Anything else is the refusal `code` on the field `name`."""
    if not text.strip():
        return None
    folded = fold(text)
    if folded.isdigit() and len(folded) <= 6:  # an Excel serial day is no form's answer
        raise Refusal(code, field=name, name=name)
    try:
        found = convert(Column(name, name, name, kind="date"), text[:40])
    except CellError as exc:
        raise Refusal(code, field=name, name=name) from exc
    if not isinstance(found, date):
        raise Refusal(code, field=name, name=name)
    return found


def required_day(text: str, name: str) -> date:
    """A day a form must have (as form_day reads it); empty is not a date."""
    found = form_day(text, name)
    if found is None:
        raise Refusal("not_a_date", field=name, name=name)
    return found
