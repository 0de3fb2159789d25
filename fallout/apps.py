from django.apps import AppConfig


class FalloutConfig(AppConfig):
    name = "fallout"
    verbose_name = "Fallout"
