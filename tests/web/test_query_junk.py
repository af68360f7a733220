"""No query string produces a 5xx on any page (issue 13, item 6): every GET route of the
URL map, with junk arguments, as every role and signed out."""

from __future__ import annotations

from flask import Flask

JUNK_QUERIES = [
    "kind=x&_method=POST",
    "kind=csv&kind=xlsx&month=x&year=-1&week=2026-W99&sort=%00&order=x&page=-5&status=x",
    "village=abc&area=99999999999999999999&township=x&unit=-1&cadre=x&household=%FF"
    "&from=x&to=2026-13-45&flag=x&q=%00&next=//evil&period=x&due=x&limit=0&cursor=-1",
    "village_id=1e9&user_id=1.5&household_id=&helper_id=x&corrects=x&month=2026-00"
    "&year=99999&kind=&csrf_token=x",
    # a keyset cursor whose time has no offset (a naive time bound to a UTC column was a 500)
    "after=WyIyMDI2LTAxLTAxVDEwOjAwOjAwIiwgIngiXQ&cursor=WyIyMDI2LTAxLTAxVDEwOjAwOjAwIiwgIngiXQ",
]
ROLES = [None, "cadre_a", "sup_t1", "sup_county", "admin"]


EXAMPLES = {"kind": "csv", "code": "en", "month": "2026-11", "filename": "x.js"}


def get_paths(app: Flask) -> list[str]:
    """Every GET route, its path arguments filled in (ids as 1)."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        values = {name: 1 if name.endswith("_id") else EXAMPLES.get(name, "x")
                  for name in rule.arguments}
        paths.add(rule.build(values, append_unknown=False)[1] if values else rule.rule)
    return sorted(paths)


def test_junk_query_strings_never_answer_5xx(app: Flask, world, login) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failure is answered 500, and counted
    paths = get_paths(app)
    assert "/attendance/month" in paths and "/visits" in paths and len(paths) > 40
    failures = []
    for role in ROLES:
        client = app.test_client()
        if role:
            login(client, role)
        for path in paths:
            if path == "/lang/en":
                continue  # switches the language; tested with the rest below
            for query in JUNK_QUERIES:
                response = client.get(f"{path}?{query}")
                if response.status_code >= 500:
                    failures.append((role, path, query, response.status_code))
        assert client.get("/lang/en?next=x&kind=x").status_code < 500
    assert not failures, sorted({(path, query) for _role, path, query, _status in failures})
