"""The ledger's free-text search, shared by the ledger pages, the API and the admin.

``Case.search_text`` holds the number, title, party names and summary, lower-cased. A
search is ``search_text LIKE '%text%'``: on PostgreSQL a trigram index answers it for
three characters or more; for two (most Chinese names and many words) the trigram index
is no help, so the bigram index of migration 0007 narrows the rows first.

Text that looks like a case number, or the start of one (``330681101-2026-00123``,
``330681-2026-``: a place code of six or more digits and a hyphen, then the year and the
sequence as far as typed), matches numbers that begin with it: ``number LIKE 'x%'``,
answered by the ``varchar_pattern_ops`` index Django makes for the unique ``number``.

A whole ID number or mobile (however pasted) is not in ``search_text``: it finds the
cases of the parties whose blind index matches (``cases.models.parties_with_number``).
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models
from django.db.models import Func, Value

from cases.models.parties import parties_with_number


class Bigrams(Func):
    function = "fq_bigrams"
    output_field = ArrayField(models.TextField())


def case_search_text(*, number: str, title: str, names, summary: str) -> str:
    """What ``Case.search_text`` holds: the number, title, party names (in order) and
    summary, lower-cased. The services write it; the benchmark's filler writes the same."""
    return " ".join([number, title, " ".join(names), summary]).lower()


# <place code>-<year>-<sequence>, or any start of it from the first hyphen on.
NUMBER_PREFIX = re.compile(r"\d{6,12}-(?:\d{1,4}(?:-\d*)?)?")


def normalise_search(text: str) -> str:
    return (text or "").strip().lower()


def looks_like_number(text: str) -> bool:
    """Is ``text`` (normalised) a case number or the start of one?"""
    return NUMBER_PREFIX.fullmatch(text) is not None


def search_cases(queryset: models.QuerySet, text: str) -> models.QuerySet:
    text = normalise_search(text)
    if not text:
        return queryset
    if looks_like_number(text):
        return queryset.filter(number__startswith=text)
    if (parties := parties_with_number(text)) is not None:
        return queryset.filter(pk__in=parties.values("case_id"))
    queryset = queryset.filter(search_text__contains=text)
    if len(text) == 2 and connections[queryset.db].vendor == "postgresql":
        queryset = queryset.alias(search_bigrams=Bigrams("search_text")).filter(
            search_bigrams__contains=Bigrams(Value(text))
        )
    return queryset
