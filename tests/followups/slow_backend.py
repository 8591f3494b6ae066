"""SMS backends for the drills, named by FENGQIAO_SMS_BACKEND in a worker's environment.

``RecordingSmsBackend`` sleeps (FENGQIAO_TEST_SMS_DELAY seconds, 3 by default) and then
appends one line per completed send to the file named by FENGQIAO_TEST_SMS_LOG: a worker
killed during the sleep has sent nothing, and the file counts what really went out.
Numbers listed in FENGQIAO_TEST_SMS_FAIL (comma-separated) fail instead, like a provider
that is down for them.
"""

import os
import time


class SmsProviderDown(Exception):
    pass


class RecordingSmsBackend:
    def send(self, number: str, text: str) -> None:
        time.sleep(float(os.environ.get("FENGQIAO_TEST_SMS_DELAY", "3")))
        if number in os.environ.get("FENGQIAO_TEST_SMS_FAIL", "").split(","):
            raise SmsProviderDown(f"provider refused {number}")
        path = os.environ.get("FENGQIAO_TEST_SMS_LOG")
        if path:
            line = " ".join(text.split())
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\t{number}\t{line}\n")
