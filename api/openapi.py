"""Finishing touches on the generated OpenAPI schema, so that it says exactly what the API
does (schemathesis checks it against the live API in api/tests/test_schemathesis.py)."""

from typing import Any


def _allows_null(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "null" or "null" in (schema.get("type") or []):
        return True
    return any(_allows_null(option) for option in schema.get("anyOf", []))


def _drop_null_defaults(node: Any) -> None:
    """Pydantic writes ``"default": null`` for a field that may be left out but not sent as
    null (a PATCH field); the default is not a value a client may send, so it goes."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None and not _allows_null(node):
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``Optional[X]`` as just X: a query parameter or header is absent or a value, never
    null."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if "anyOf" not in schema or len(options) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **options[0]} if len(options) == 1 else {**rest, "anyOf": options}


def _drop_required_defaults(components: dict[str, Any]) -> None:
    """A required field's default (DealIn's next_action: the service names it when it is
    missing) is no value to send."""
    for component in components.values():
        for name in component.get("required", []):
            component.get("properties", {}).get(name, {}).pop("default", None)


def finish_schema(schema: Any, *, replayed: str) -> Any:
    _drop_null_defaults(schema)
    _drop_required_defaults(schema.get("components", {}).get("schemas", {}))
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
            for content in operation.get("requestBody", {}).get("content", {}).values():
                # An optional body (its default: no options) is just its object.
                body = content["schema"]
                if len(body.get("allOf", [])) == 1 and set(body) <= {"allOf", "default"}:
                    content["schema"] = body["allOf"][0]
            headers = [p for p in operation.get("parameters", []) if p.get("in") == "header"]
            if any(p["name"] == "Idempotency-Key" for p in headers):
                for status, response in operation["responses"].items():
                    if str(status).startswith("2"):
                        response.setdefault("headers", {})[replayed] = {
                            "description": "true when this answer replays the first one "
                            "sent with the same Idempotency-Key.",
                            "schema": {"type": "string", "enum": ["true"]},
                        }
    return schema
