"""GET deals/{id}/promise-check in the OpenAPI schema: the forecast fields of issue 15,
nullable, described, and the errors it answers with."""

from api.urls import api as relay_api


def test_the_promise_check_and_its_errors_are_in_the_openapi_schema():
    schema = relay_api.get_openapi_schema()
    out = schema["components"]["schemas"]["PromiseCheckOut"]["properties"]
    assert list(out) == [
        "planned_finish",
        "promised_date",
        "ok",
        "probability",
        "p50_finish",
        "p80_finish",
        "history_count",
        "min_probability",
    ]
    assert {t["type"] for t in out["probability"]["anyOf"]} == {"number", "null"}
    assert {t.get("format") for t in out["p80_finish"]["anyOf"]} == {"date", None}
    assert "fixed seed" in out["probability"]["description"]
    operation = schema["paths"]["/api/v1/deals/{deal_id}/promise-check"]["get"]
    assert set(operation["responses"]) == {200, 401, 404}
