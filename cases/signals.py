"""What the cases app announces to the apps above it, which it must not import.

Sent inside the step's transaction: a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

# A case was proposed for the next level up. Argument: ``escalation`` (saved, PROPOSED).
escalation_proposed = Signal()
