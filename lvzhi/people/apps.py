from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "lvzhi.people"
    label = "people"
    verbose_name = "代表名册"
