from django.apps import AppConfig


class TmfConfig(AppConfig):
    name = "tmf"
    verbose_name = "TM Forum Open APIs"
