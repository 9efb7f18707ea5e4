from django.http import HttpRequest
from ninja import Router, Schema

from accounts.selectors import user_list
from api.auth import current_user
from api.pagination import Page, paginate

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    email: str
    full_name: str
    time_zone: str
    roles: list[str]


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[str]


def _roles(user) -> list[str]:
    return sorted(user.roles)


@router.get("me", response=MeOut)
def me(request: HttpRequest) -> dict:
    user = current_user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "time_zone": user.time_zone,
        "roles": _roles(user),
    }


@router.get("users", response=Page[UserOut])
def users(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict:
    page = paginate(user_list(), limit=limit, offset=offset)
    page["items"] = [
        {"id": u.pk, "username": u.username, "full_name": u.display_name, "roles": _roles(u)}
        for u in page["items"]
    ]
    return page
