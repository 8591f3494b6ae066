"""What the notifications app does when the cases app announces a step
(``cases.signals``); connected in ``NotificationsConfig.ready``."""

from django.utils.translation import gettext as _

from cases.models import Escalation, HandlingLevel
from cases.services import escalation_receivers
from notifications.models import NotificationKind
from notifications.services import notify


def escalation_proposed(sender, escalation: Escalation, **kwargs) -> None:
    """The receiving level's inbox hears of a request to go up to it, in the proposal's
    transaction: nothing to lose."""
    case = escalation.case
    level = HandlingLevel(escalation.to_level)
    for receiver in escalation_receivers(case, level):
        notify(
            recipient=receiver,
            kind=NotificationKind.ESCALATION,
            case=case,
            title=_("案件 %(number)s 提级调处至%(level)s,等待接收")
            % {"number": case.number, "level": level.label},
            body=escalation.reason,
            link=f"/cases/{case.pk}/",
            dedupe_key=f"escalation:{escalation.pk}:{receiver.pk}",
        )
