import pytest
from django.test import Client

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _, raw = api_token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def test_me_with_a_token_answers_the_user_and_roles(client, rep):
    response = client.get("/api/v1/me", headers=bearer(rep))
    assert response.status_code == 200
    assert response.json() == {
        "id": rep.pk,
        "username": "rep",
        "email": "rep@example.com",
        "full_name": rep.full_name,
        "time_zone": "UTC",
        "roles": ["sales_rep"],
    }


def test_me_without_a_token_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")
    assert response.json()["errors"] == {}


def test_me_with_a_bad_token_is_401_even_with_a_session(client, rep):
    client.force_login(rep)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer relay_nope"})
    assert response.status_code == 401


def test_session_auth_works_for_reads(client, manager):
    client.force_login(manager)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == ["sales_manager"]


def test_users_lists_with_paging(client, rep, manager, lead):
    response = client.get("/api/v1/users?limit=2", headers=bearer(rep))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [u["username"] for u in body["items"]] == ["lead", "manager"]
    assert body["items"][0]["roles"] == ["delivery_lead"]
    response = client.get("/api/v1/users?limit=2&offset=2", headers=bearer(rep))
    assert [u["username"] for u in response.json()["items"]] == ["rep"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset")],
)
def test_users_rejects_bad_paging_with_422_naming_the_field(client, rep, query, field):
    response = client.get(f"/api/v1/users?{query}", headers=bearer(rep))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_users_rejects_a_non_integer_limit_with_400(client, rep):
    response = client.get("/api/v1/users?limit=lots", headers=bearer(rep))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["limit"]


def test_schema_and_docs_are_served(client, rep):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/me" in schema.json()["paths"]
    client.force_login(rep)
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_api_path_is_404_json(client, rep):
    response = client.get("/api/v1/nothing-here", headers=bearer(rep))
    assert response.status_code == 404


def test_session_posts_need_csrf(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post("/api/v1/me", data="{}", content_type="application/json")
    assert response.status_code in (403, 405)
