"""/api/v1: calendars."""

from ninja import Router

router = Router(tags=["calendars"])
