"""CSRF and security headers, set up in one place (sign-in limits: services/people/
signin_guard.py)."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from checkin.auth import bearer_token
from checkin.maps import tile_origins

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: {tiles}; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)

# The check-in needs the position and a visit the camera (this origin only); nothing else.
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(self), microphone=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), fullscreen=(self), browsing-topics=()"
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_protect_cookie_requests)
    app.after_request(_security_headers)


def _protect_cookie_requests() -> None:
    """Unsafe requests that rely on the cookie need the CSRF token. A request with a Bearer
    header is authenticated by the token alone (auth.load_user ignores the cookie then), so
    nothing rides on the cookie and there is nothing to forge."""
    if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"}:
        return
    if bearer_token() is not None:
        return
    # An API call that carries no session cookie cannot ride on a signed-in browser, so
    # there is nothing to forge (this is how the phone asks for a token).
    if request.path.startswith("/api/") and not request.cookies.get(
        current_app.config.get("SESSION_COOKIE_NAME", "session")
    ):
        return
    try:
        csrf.protect()
    except (AttributeError, TypeError, UnicodeDecodeError) as exc:
        # Form field names that are not text (hostile multipart) break Flask-WTF's search
        # for the token field: that request has no usable token.
        raise CSRFError("The CSRF token is missing.") from exc


def _security_headers(response: Response) -> Response:
    tiles = _tile_origin()
    response.headers.setdefault(
        "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(tiles=tiles)
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    control = _cache_control(response)
    if control is not None:
        response.headers.setdefault("Cache-Control", control)
    return response


def _cache_control(response: Response) -> str | None:
    """What a signed-in user is shown, and every API answer, is stored by no cache (a
    proxy, the browser of a shared office computer): ``no-store``. Static files keep the
    caching they were sent with. The one exception is a page shown to a cadre: the phone's
    service worker keeps those for use without signal, and it skips ``no-store`` answers
    by design (static/sw.js), so they are ``private, no-cache`` (no shared cache, and the
    browser asks again each time); signing out clears them (Clear-Site-Data).
    Signed in is read from the session, not the database: this also runs after a request
    that failed because the database is gone."""
    if request.endpoint == "static":
        return None
    if request.path.startswith("/api/"):
        return "no-store"
    if session.get("_user_id") is None:
        return None
    return "private, no-cache" if _cadre_page(response) else "no-store"


def _cadre_page(response: Response) -> bool:
    # flask_login keeps the request's user in g once loaded (every page loads it); a user
    # not loaded is not looked up here, and the answer gets the stricter no-store.
    user = g.get("_login_user")
    return response.mimetype == "text/html" and getattr(user, "role", None) == "cadre"


def _tile_origin() -> str:
    return " ".join(tile_origins(current_app.config))
