"""The five roles of Relay. Each is a Django group, made by a data migration."""

from django.db import models


class Role(models.TextChoices):
    SALES_REP = "sales_rep", "Sales rep"
    SALES_MANAGER = "sales_manager", "Sales manager"
    DELIVERY_LEAD = "delivery_lead", "Delivery lead"
    DELIVERY_MEMBER = "delivery_member", "Delivery member"
    ADMIN = "admin", "Admin"


SALES_ROLES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})
DELIVERY_ROLES = frozenset({Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER})
