from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "webforms"
    verbose_name = "Web forms"

    def ready(self) -> None:
        from dashboards.hooks import register_sales_widget
        from webforms.report import campaigns_widget

        register_sales_widget("campaigns", campaigns_widget)
