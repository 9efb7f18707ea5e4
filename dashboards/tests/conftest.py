from dashboards.tests.worlds import (  # noqa: F401
    delivery_now,
    delivery_world,
    demand_world,
    sales_now,
    sales_world,
)
