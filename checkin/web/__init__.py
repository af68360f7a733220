"""HTML blueprints: parse the request, call a service, commit once, render."""

from __future__ import annotations

from flask import Flask

from checkin import maps, personal_data, reasons
from checkin.web import (
    account,
    admin,
    assessment,
    assets,
    audit_log,
    bulletins,
    cadre,
    dossier,
    evaluation,
    export_jobs,
    feedback,
    home,
    households,
    inbox,
    people,
    pledges,
    pwa,
    rotations,
    rounds,
    signin,
    spotchecks,
    supervise,
    team_reports,
    teams,
    trainings,
    vendor,
    visits,
)


def register(app: Flask) -> None:
    for module in (signin, home, people, admin, cadre, supervise, vendor, visits, pwa,
                   spotchecks, bulletins, team_reports, inbox, dossier, account,
                   audit_log, feedback, trainings, teams, evaluation, assessment,
                   pledges, rotations, rounds, households, export_jobs):
        app.register_blueprint(module.bp)
    assets.init_app(app)
    personal_data.init_app(app)
    app.context_processor(home.inject_navigation)
    app.context_processor(inbox.inject_unread)
    # Macros imported into a template see globals, not the context.
    app.jinja_env.globals.update(feedback_word=feedback.feedback_word,
                                 flag_words=reasons.flag_word, map_payload=maps.map_payload,
                                 purpose_words=reasons.purpose_word,
                                 record_reasons=reasons.record_reasons,
                                 period_url=home.period_url, PAGING_ARGS=home.PAGING_ARGS,
                                 rotation_kind_word=rotations.kind_word)
