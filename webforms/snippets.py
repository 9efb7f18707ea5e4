"""A form's URLs and its embeddable, script-free HTML snippet (absolute, from SITE_URL)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from webforms.models import WebForm
from webforms.services import HONEYPOT


def page_url(form: WebForm) -> str:
    return settings.SITE_URL + reverse("webforms:page", args=[form.key])


def submit_url(form: WebForm) -> str:
    return settings.SITE_URL + reverse("webforms:submit", args=[form.key])


def api_url(form: WebForm) -> str:
    return f"{settings.SITE_URL}/api/v1/forms/{form.key}/submissions"


def snippet(form: WebForm, utm: dict[str, str] | None = None) -> str:
    """An HTML ``<form>`` that posts to Relay from any page, without a script: labelled
    inputs, hidden UTM fields for the admin to fill per placement (a script-free form
    cannot read the page's address), and the honeypot hidden from people and from
    assistive technology."""
    utm = utm or {"utm_source": "", "utm_medium": "", "utm_campaign": ""}
    return render_to_string(
        "webforms/snippet.html",
        {"form": form, "action": submit_url(form), "utm": utm, "honeypot": HONEYPOT},
    ).strip()
