from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "lvzhi.archive"
    label = "archive"
    verbose_name = "履职档案"
