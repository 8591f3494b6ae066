"""Fixtures of the case tests."""

import pytest

from cases.models import WorkflowPolicy


@pytest.fixture
def manual_escalation(db):
    """The workflow tests drive escalation by hand; the automatic proposal on the third
    failure (the default policy) has its own tests in tests/followups/test_follow_up_life.py."""
    WorkflowPolicy.objects.update_or_create(pk=1, defaults={"auto_propose_escalation": False})
