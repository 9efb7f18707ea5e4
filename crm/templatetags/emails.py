"""An email address as a ``mailto:`` link that wraps only where a reader expects it: after the
``@`` (and inside a part only if that part alone is wider than the line: after a dot), never
mid-word as ``overflow-wrap: anywhere`` did. ``{% load emails %}``, then
``{% email_link contact.email %}``."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _after_dots(part: str) -> SafeString:
    return mark_safe(".<wbr>".join(escape(piece) for piece in part.split(".")))


@register.simple_tag
def email_link(address: str) -> SafeString:
    """``<a href="mailto:anna@northwind.de" aria-label="anna@northwind.de"><span
    class="email-part">anna@</span><span class="email-part">northwind.<wbr>de</span></a>``: each
    part kept whole where it fits. The label keeps the link's name the address as written
    (a browser puts a space between the parts otherwise)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return format_html(
            '<a href="mailto:{0}" aria-label="{0}"><span class="email-part">{1}</span></a>',
            address,
            _after_dots(address),
        )
    return format_html(
        '<a href="mailto:{0}" aria-label="{0}"><span class="email-part">{1}@</span>'
        '<span class="email-part">{2}</span></a>',
        address,
        _after_dots(local),
        _after_dots(domain),
    )
