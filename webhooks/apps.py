"""Signed webhooks (Standard Webhooks) for Relay's events, delivered through an outbox with
retries."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from records.events import occurred
        from webhooks.services import on_event

        occurred.connect(on_event, dispatch_uid="webhooks.deliveries_record")
