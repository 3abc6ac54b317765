from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "lvzhi.suggestions"
    verbose_name = "代表建议办理"
