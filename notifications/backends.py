"""SMS backends. Email goes through Django's mail backend (EMAIL_BACKEND); SMS through
the class named by FENGQIAO_SMS_BACKEND, so an office can plug in its provider."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Writes the message to the log: the default, for laptops and tests."""

    def send(self, number: str, text: str) -> None:
        logger.info("SMS to %s: %s", number, text)


def sms_backend():
    return import_string(settings.FENGQIAO_SMS_BACKEND)()
