"""The app as gunicorn serves it, plus the benchmark's trivial endpoint.

`gunicorn bench._wsgi:app`: the product never has /bench/*; this module adds it to an app
built by the same factory, so every endpoint pays the same hooks in the same workers.
"""

from __future__ import annotations

from checkin import create_app

app = create_app()


@app.get("/bench/trivial")
def trivial() -> str:
    return "ok"
