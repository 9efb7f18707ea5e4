from django.http import HttpRequest
from ninja import Router, Schema

from accounts.roles import Role
from accounts.selectors import user_list
from api.auth import current_user
from api.errors import READ, answers
from api.pagination import DEFAULT_LIMIT, Limit, Offset, Page, paginate

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    email: str
    full_name: str
    time_zone: str
    roles: list[Role]


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[Role]


def _roles(user) -> list[str]:
    return sorted(user.roles)


@router.get("me", response=answers({200: MeOut}))
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


@router.get("users", response=answers({200: Page[UserOut]}, *READ))
def users(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    page = paginate(user_list(), limit=limit, offset=offset)
    page["items"] = [
        {"id": u.pk, "username": u.username, "full_name": u.display_name, "roles": _roles(u)}
        for u in page["items"]
    ]
    return page
