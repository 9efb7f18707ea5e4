"""/api/v1: web forms."""

from ninja import Router

router = Router(tags=["webforms"])
