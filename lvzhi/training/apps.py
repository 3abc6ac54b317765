from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "lvzhi.training"
    verbose_name = "履职培训"
