"""How personal data and secrets appear in the audit log: never in clear.

django-auditlog calls the mask function with one value at a time, without the field name,
so the value's shape decides: an ID number keeps what the pages show (area code and the last
four), a mobile likewise, and anything else that is masked (a password hash) is hidden whole.
The log still says *that* the field changed, which is what an auditor needs.
"""

import re

from common.validators import mask_id_number, mask_mobile

HIDDEN = "********"
# Empty values say nothing about anyone; auditlog writes a missing value as "None".
NOTHING = {"", "None"}
ID_NUMBER_SHAPE = re.compile(r"^\d{15}$|^\d{17}[\dXx]$")
MOBILE_SHAPE = re.compile(r"^\+?\d{7,15}$")


def mask_personal(value: str) -> str:
    if value in NOTHING:
        return value
    if ID_NUMBER_SHAPE.match(value):
        return mask_id_number(value)
    if MOBILE_SHAPE.match(value):
        return mask_mobile(value)
    return HIDDEN
