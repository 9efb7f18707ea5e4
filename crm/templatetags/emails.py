"""An email address that wraps only where a reader expects it: after the ``@`` (then inside a
part only if that part alone is wider than the line). ``{% load emails %}``, then
``{{ contact.email|email_parts }}``."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def email_parts(address: str) -> SafeString:
    """``anna@northwind.de``: ``<span class="email-part">anna@</span><span
    class="email-part">northwind.de</span>``, each part kept whole where it fits."""
    local, at, domain = address.rpartition("@")
    if not at:
        return format_html('<span class="email-part">{}</span>', address)
    return format_html(
        '<span class="email-part">{}@</span><span class="email-part">{}</span>', local, domain
    )
