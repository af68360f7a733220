"""意见反馈: anyone signed in tells the administrators something (a suggestion, a problem, a
complaint about the service or how it is used); an administrator answers, once or more,
until an answer closes it. Both are insert-only and audited; the administrators are told of
each new one in their inbox, the author of each answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, aliased

from checkin.domain.refusal import Refusal
from checkin.models import FEEDBACK_KINDS, Feedback, FeedbackAnswer, User
from checkin.platform import audit
from checkin.services.notify.inbox import notify

MAX_TEXT = 2000
PAGE_SIZE = 50


def _text(raw: str, name: str) -> str:
    text = raw.strip()
    if not text or len(text) > MAX_TEXT or "\x00" in text:
        raise Refusal("invalid_text", field=name, name=name, limit=MAX_TEXT)
    return text


def _admins(session: Session, separated: bool) -> list[User]:
    """Who answers: the admins (with duties separated, the system administrators)."""
    query = select(User).where(User.role == "admin", User.active.is_(True))
    if separated:
        query = query.where(User.duty == "system")
    return list(session.scalars(query))


def submit(session: Session, user: User, kind: str, text: str, *,
           separated: bool = False) -> Feedback:
    if kind not in FEEDBACK_KINDS:
        raise Refusal("not_in_choices", field="kind", name="kind",
                      choices=", ".join(FEEDBACK_KINDS))
    made = Feedback(user_id=user.id, kind=kind, text=_text(text, "text"))
    session.add(made)
    session.flush()
    audit.record(session, actor_id=user.id, action="feedback.new", entity="feedback",
                 entity_id=made.id, detail={"kind": kind})
    notify(session, _admins(session, separated), "feedback.new", f"feedback.new:{made.id}",
           {"name": user.name, "kind": kind, "feedback_id": made.id})
    return made


def answer(session: Session, feedback: Feedback, admin: User, text: str, *,
           closes: bool) -> FeedbackAnswer:
    made = FeedbackAnswer(feedback_id=feedback.id, admin_id=admin.id,
                          text=_text(text, "answer"), closes=closes)
    session.add(made)
    session.flush()
    audit.record(session, actor_id=admin.id, action="feedback.answer", entity="feedback",
                 entity_id=feedback.id, detail={"answer_id": made.id, "closes": closes})
    notify(session, [feedback.user], "feedback.answered", f"feedback.answered:{made.id}",
           {"feedback_id": feedback.id, "closes": closes})
    return made


@dataclass
class Thread:
    feedback: Feedback
    answers: list[FeedbackAnswer] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return bool(self.answers) and self.answers[-1].closes


def _threads(session: Session, items: list[Feedback]) -> list[Thread]:
    threads = {item.id: Thread(item) for item in items}
    if threads:
        for reply in session.scalars(select(FeedbackAnswer).where(
                FeedbackAnswer.feedback_id.in_(list(threads))).order_by(FeedbackAnswer.id)):
            threads[reply.feedback_id].answers.append(reply)
    return list(threads.values())


def mine(session: Session, user: User) -> list[Thread]:
    return _threads(session, list(session.scalars(select(Feedback).where(
        Feedback.user_id == user.id).order_by(Feedback.id.desc()).limit(PAGE_SIZE))))


def _closed_clause() -> ColumnElement[bool]:
    """Feedback whose latest answer closes it: a closing answer with none after it."""
    later = aliased(FeedbackAnswer)
    return exists(select(FeedbackAnswer.id).where(
        FeedbackAnswer.feedback_id == Feedback.id, FeedbackAnswer.closes.is_(True),
        ~exists().where(later.feedback_id == FeedbackAnswer.feedback_id,
                        later.id > FeedbackAnswer.id)))


def queue(session: Session, *, open_only: bool, before_id: int | None
          ) -> tuple[list[Thread], int | None]:
    """For the administrators, newest first, `PAGE_SIZE` at a time; open ones only if
    asked. Returns the threads and the id to continue before."""
    query = select(Feedback).order_by(Feedback.id.desc()).limit(PAGE_SIZE + 1)
    if open_only:
        query = query.where(~_closed_clause())
    if before_id is not None:
        query = query.where(Feedback.id < before_id)
    items = list(session.scalars(query))
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    return _threads(session, items), items[-1].id if more and items else None
