from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.services import register_time_zone_listener
        from crm.services import deals_recompute_due
        from crm.triggers import install_sqlite_triggers

        register_time_zone_listener(deals_recompute_due)
        post_migrate.connect(install_sqlite_triggers, sender=self)
