from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The ground floor: helpers with no domain noun (validators, the spreadsheet reader,
    form and admin helpers). It imports no other app of the project, so any app may
    import it."""

    name = "common"
    verbose_name = "通用"
