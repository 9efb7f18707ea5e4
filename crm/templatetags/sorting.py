"""Column headers that sort a list: ``{% load sorting %}``, then
``{% sort_header "Amount" "-amount" "amount" %}`` in a ``<thead>`` row. The header links to
the same page sorted by its first key (by its second when the first is already in use, so a
second click reverses it), keeps the other filters, goes back to page 1, and tells screen
readers the current order with ``aria-sort``."""

from django import template
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context,
    label: str,
    key: str,
    reverse: str = "",
    *,
    default: str = "-updated_at",
    css: str = "",
) -> SafeString:
    request: HttpRequest = context["request"]
    current = request.GET.get("sort") or default
    active = current in (key, reverse)
    target = reverse if reverse and current == key else key
    query = request.GET.copy()
    query["sort"] = target
    query.pop("page", None)
    order = ""
    if active:
        order = "descending" if current.startswith("-") else "ascending"
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(order, "")
    return format_html(
        '<th scope="col"{}{}><a class="sort-link" href="?{}">{}<span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', order) if order else "",
        query.urlencode(),
        label,
        arrow,
        f", sorted {order}" if order else ", sort by this column",
    )
