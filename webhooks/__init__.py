"""Signed webhooks (Standard Webhooks) for Relay's events, delivered through an outbox with
retries."""
