"""HTML blueprints: parse the request, call a service, commit once, render."""

from __future__ import annotations

from flask import Flask

from checkin import reasons
from checkin.web import (
    account,
    admin,
    assets,
    audit_log,
    bulletins,
    cadre,
    dossier,
    feedback,
    home,
    inbox,
    people,
    pwa,
    rotations,
    signin,
    spotchecks,
    supervise,
    team_reports,
    vendor,
    visits,
)


def register(app: Flask) -> None:
    for module in (signin, home, people, admin, cadre, supervise, vendor, visits, pwa,
                   spotchecks, bulletins, team_reports, inbox, dossier, account,
                   audit_log, feedback, rotations):
        app.register_blueprint(module.bp)
    assets.init_app(app)
    app.context_processor(home.inject_navigation)
    app.context_processor(inbox.inject_unread)
    # Macros imported into a template see globals, not the context.
    app.jinja_env.globals.update(feedback_word=feedback.feedback_word,
                                 flag_words=reasons.flag_word,
                                 purpose_words=reasons.purpose_word,
                                 record_reasons=reasons.record_reasons,
                                 rotation_kind_word=rotations.kind_word)
