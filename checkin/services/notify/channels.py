"""The channels beyond the inbox, each a plain sender that raises DeliveryError on failure:
e-mail over SMTP, the WeCom group robot, the DingTalk custom robot (signed when it has a
secret) and a generic webhook signed with HMAC-SHA256 for a province's own platform."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

CHANNELS = ("email", "wecom", "dingtalk", "webhook")
GROUP_CHANNELS = ("wecom", "dingtalk")


class DeliveryError(Exception):
    """The channel did not take the message; it is tried again later."""


@dataclass(frozen=True)
class Message:
    delivery_id: int
    dedupe_key: str
    channel: str
    target: str
    kind: str
    lang: str
    subject: str
    text: str
    link: str
    created_at: str
    recipient: Mapping[str, Any]


def send(message: Message, config: Mapping[str, Any]) -> None:
    sender = {"email": send_email, "wecom": send_wecom, "dingtalk": send_dingtalk,
              "webhook": send_webhook}[message.channel]
    sender(message, config)


def content(message: Message) -> str:
    lines = [message.subject, message.text]
    if message.link:
        lines.append(message.link)
    return "\n".join(lines)


# E-mail ------------------------------------------------------------------------------------
def email_message(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.target
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    # The same id on every attempt: a receiver that saw it once can drop a repeat.
    mail["Message-ID"] = f"<{message.dedupe_key.replace(':', '.')}@checkin>"
    mail.set_content(content(message) + "\n")  # clears Content-* headers: set them after
    mail["Content-Language"] = "zh-CN" if message.lang == "zh" else message.lang
    return mail


def send_email(message: Message, config: Mapping[str, Any]) -> None:
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                          timeout=float(config["NOTIFY_TIMEOUT_S"])) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(email_message(message, config["SMTP_FROM"]))
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}"[:500]) from exc


# Webhooks ---------------------------------------------------------------------------------
def post_json(url: str, body: dict[str, Any], timeout: float,
              headers: Mapping[str, str] | None = None) -> None:
    """POST the JSON body; a 2xx answer is success unless it carries an errcode (the
    robots answer 200 with {"errcode": n} when they refuse)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            raw = answer.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"http {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"http: {type(exc).__name__}: {exc}"[:500]) from exc
    try:
        answer_json = json.loads(raw or b"{}")
    except ValueError:
        return
    if isinstance(answer_json, dict) and answer_json.get("errcode", 0) != 0:
        raise DeliveryError(f"errcode {answer_json.get('errcode')}: "
                            f"{answer_json.get('errmsg', '')}"[:500])


def robot_text(message: Message) -> dict[str, Any]:
    """The text message of both robots' documented JSON."""
    return {"msgtype": "text", "text": {"content": content(message)}}


def send_wecom(message: Message, config: Mapping[str, Any]) -> None:
    post_json(config["WECOM_WEBHOOK_URL"], robot_text(message),
              float(config["NOTIFY_TIMEOUT_S"]))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def send_dingtalk(message: Message, config: Mapping[str, Any]) -> None:
    url = dingtalk_url(config["DINGTALK_WEBHOOK_URL"], config.get("DINGTALK_SECRET", ""),
                       int(time.time() * 1000))
    post_json(url, robot_text(message), float(config["NOTIFY_TIMEOUT_S"]))


def webhook_body(message: Message) -> dict[str, Any]:
    return {"id": message.dedupe_key, "kind": message.kind, "created_at": message.created_at,
            "recipient": dict(message.recipient), "lang": message.lang,
            "subject": message.subject, "text": message.text, "link": message.link}


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: the header X-Checkin-Signature."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def send_webhook(message: Message, config: Mapping[str, Any]) -> None:
    body = webhook_body(message)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"X-Checkin-Delivery": message.dedupe_key, "X-Checkin-Timestamp": timestamp,
               "X-Checkin-Signature": webhook_signature(config.get("WEBHOOK_SECRET", ""),
                                                        timestamp, raw)}
    post_json(config["WEBHOOK_URL"], body, float(config["NOTIFY_TIMEOUT_S"]), headers)
