"""/api/v1: inbox."""

from ninja import Router

router = Router(tags=["inbox"])
