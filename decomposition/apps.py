from django.apps import AppConfig


class DecompositionConfig(AppConfig):
    name = "decomposition"
    verbose_name = "Decomposition"
