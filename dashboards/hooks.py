"""What apps above dashboards add to its pages, without dashboards importing them (its one
registry of hooks):

- sales widgets: an app registers a name and a builder ``(SalesQuery) -> Widget`` in its
  ``AppConfig.ready``; the sales dashboard shows each after its own widgets, and its CSV
  export answers ``?format=csv&widget=<name>`` for it (webforms: web-form leads by lead
  source and campaign).
"""

from collections.abc import Callable

from dashboards.widgets import SalesQuery, Widget

SalesWidget = Callable[[SalesQuery], Widget]
_sales_widgets: dict[str, SalesWidget] = {}


def register_sales_widget(name: str, build: SalesWidget) -> None:
    _sales_widgets.setdefault(name, build)


def sales_widgets() -> dict[str, SalesWidget]:
    return dict(_sales_widgets)
