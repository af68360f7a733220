"""The app as gunicorn serves it, plus a trivial endpoint for the benchmark's baseline only.

`gunicorn bench._wsgi:app`: the product never has /bench/trivial; this module adds it to an
app built by the same factory, so both endpoints pay the same hooks in the same workers.
"""

from __future__ import annotations

from checkin import create_app

app = create_app()


@app.get("/bench/trivial")
def trivial() -> str:
    return "ok"
