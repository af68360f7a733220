"""Real answers checked against /api/v1/openapi.json by a JSON Schema 2020-12 validator (the
dialect of OpenAPI 3.1), strictly: an object schema that lists its properties and says
nothing of others is read as `additionalProperties: false`, so a field the service returns
and the document omits fails the check as surely as a missing one."""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_URI = "urn:checkin-api"


def strict(node: Any) -> Any:
    """A copy where every object schema with `properties` and no `additionalProperties`
    allows no others."""
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#/"):
        out["$ref"] = DOC_URI + out["$ref"]  # resolvable from any schema taken out of it
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def problems(value: Any, schema: dict[str, Any], doc: dict[str, Any], where: str
             ) -> list[str]:
    """Where `value` is not what `schema` (a part of `doc`) says, strictly."""
    registry: Registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(strict(copy.deepcopy(doc)),
                                        default_specification=DRAFT202012))
    found = sorted(Draft202012Validator(strict(schema), registry=registry).iter_errors(value),
                   key=lambda e: list(e.absolute_path))
    return [f"{where} at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
            for e in found[:20]]


def conforms(value: Any, schema: dict[str, Any], doc: dict[str, Any], where: str) -> None:
    """`value` is what `schema` (a part of `doc`) says, strictly."""
    found = problems(value, schema, doc, where)
    assert not found, "\n".join(found)


def response_schema(doc: dict[str, Any], path: str, method: str, status: int,
                    media: str = "application/json") -> dict[str, Any]:
    """The documented schema of an answer; KeyError when the answer is not documented."""
    schema: dict[str, Any] = (
        doc["paths"][path][method]["responses"][str(status)]["content"][media]["schema"])
    return schema


def check_all(doc: dict[str, Any], answers: list[tuple[str, str, Any]]) -> None:
    """Each (path, method, Flask test response) is what the document says of its status;
    every difference of every answer is told at once."""
    found: list[str] = []
    for path, method, response in answers:
        where = f"{method.upper()} {path} {response.status_code}"
        try:
            schema = response_schema(doc, path, method, response.status_code)
        except KeyError:
            found.append(f"{where}: not documented")
            continue
        found += problems(response.get_json(), schema, doc, where)
    assert not found, "\n".join(found)
