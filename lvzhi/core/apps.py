from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lvzhi.core"
    label = "core"
    verbose_name = "基础"
