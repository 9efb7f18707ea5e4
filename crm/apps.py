from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from accounts.services import register_time_zone_listener
        from crm.services import deals_recompute_due

        register_time_zone_listener(deals_recompute_due)
