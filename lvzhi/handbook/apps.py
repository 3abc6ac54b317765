from django.apps import AppConfig


class HandbookConfig(AppConfig):
    name = "lvzhi.handbook"
    verbose_name = "履职常识与题库"
