from django.apps import AppConfig


class JeopardyConfig(AppConfig):
    name = "jeopardy"
    verbose_name = "Jeopardy"
