"""Showing a party's full ID number or mobile to a role that needs it; every look is
logged (DOMAIN §6)."""

from cases.models import Party, PersonalDataAccess
from cases.policy import Action
from cases.workflow import check_allowed


def personal_data_reveal(*, party: Party, by, action: Action, document: str = "") -> str:
    """Return a party's full ID number or mobile for a role that needs it, and log the look
    (with the printed ``document`` when the number goes onto paper)."""
    if action not in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE):
        raise ValueError(action)
    check_allowed(by, party.case, action)
    field = "id_number" if action == Action.REVEAL_ID_NUMBER else "mobile"
    PersonalDataAccess.objects.create(user=by, party=party, field=field, document=document)
    return getattr(party, field)
