"""The WSGI entry point: `gunicorn wsgi:app`.

Behind a reverse proxy set PROXY_HOPS (e.g. 1 for nginx) so that the client's address and
scheme come from X-Forwarded-For / X-Forwarded-Proto: rate limits and the audit log need
the real address, and HSTS and secure cookies need the real scheme.
"""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from checkin import create_app

app = create_app()
_hops = int(os.environ.get("PROXY_HOPS", "0"))
if _hops:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_hops, x_proto=_hops)  # type: ignore[method-assign]
