"""Gap-free numbers: the case numbers and the committees' document numbers."""

from django.db import models


def next_in_sequence(counter_model: type[models.Model], **key) -> int:
    """The next number of the sequence ``key`` names in ``counter_model`` (a model with a
    ``last_sequence`` field, unique on ``key``), inside the caller's transaction.

    The counter row is created if this is the sequence's first number (safe when two race
    to create it), then locked: concurrent callers queue on it and get one number each,
    with no gap and no number given twice."""
    counter_model.objects.bulk_create([counter_model(**key)], ignore_conflicts=True)
    counter = counter_model.objects.select_for_update().get(**key)
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence"])
    return counter.last_sequence
