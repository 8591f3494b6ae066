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

Pinyin: ``search_text`` also holds each party name's pinyin without tones or spaces and
its initials (张三: ``zhangsan zs``), written with the rest, so ``zhangsan`` or ``zs`` is the
same indexed LIKE as any other word. A polyphonic surname is written in its surname
reading and in its everyday one (单: ``shan`` and ``dan``), since people type either. A
single Latin letter would match nearly every case, so it finds nothing; a query mixing
Chinese and Latin letters (``张san``) is also looked for in pinyin (``zhangsan``).

Words: a query is one phrase (runs of spaces count as one space), not words each looked
for on their own. A query of Latin words only (``zhang san``, ``Zhang  San``) is also
looked for with its words joined (``zhangsan``), as people type a name's syllables
apart; a phrase with Chinese in it (``张三 漏水``) is looked for as typed.
"""

import functools
import re

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models
from django.db.models import Func, Q, Value
from pypinyin import Style, lazy_pinyin

from cases.models.parties import parties_with_number


class Bigrams(Func):
    function = "fq_bigrams"
    output_field = ArrayField(models.TextField())


# Surnames pypinyin reads in their everyday sound (单 dan), with the sound they have as
# a surname (单 shan). pypinyin has no surname mode, hence this short list.
SURNAME_READINGS = {
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "单": ["shan"],
    "曾": ["zeng"],
    "区": ["ou"],
    "仇": ["qiu"],
    "解": ["xie"],
    "查": ["zha"],
    "朴": ["piao"],
    "盖": ["ge"],
    "覃": ["qin"],
    "缪": ["miao"],
    "乐": ["yue"],
    "秘": ["bi"],
    "员": ["yun"],
    "召": ["shao"],
    "繁": ["po"],
    "折": ["she"],
    "种": ["chong"],
    "翟": ["zhai"],
    "黑": ["he"],
    "藏": ["zang"],
    "薄": ["bo"],
    "蕃": ["pi"],
    "句": ["gou"],
    "阚": ["kan"],
    "隗": ["wei"],
}
HAN = re.compile(r"[\u3400-\u9fff]")
LATIN_LETTERS = re.compile(r"[a-z]+")
LATIN_WORDS = re.compile(r"[a-z]+(?: [a-z]+)+")
WHITESPACE = re.compile(r"\s+")
# A single Latin letter is in nearly every case's pinyin: it finds nothing.
MIN_LATIN_SEARCH = 2


def _syllables(text: str) -> list[str]:
    """Each Han character's pinyin without tone, other runs kept, all lower-cased and
    stripped of anything but letters and digits."""
    pieces = lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=False)
    return [clean for piece in pieces if (clean := re.sub(r"[^0-9a-z]", "", piece.lower()))]


# pypinyin takes ~0.15 ms a name; names repeat a great deal (a village has a few
# surnames), so a refresh of a million cases mostly reads the cache.
@functools.lru_cache(maxsize=100_000)
def name_pinyin(name: str) -> tuple[str, ...]:
    """The words ``search_text`` keeps for a party name: its full pinyin and its initials,
    in the surname reading and, when that differs, the everyday reading too."""
    name = (name or "").strip()
    if not HAN.search(name):
        return ()
    readings = [_syllables(name)]
    for surname, sounds in SURNAME_READINGS.items():
        if name.startswith(surname):
            readings.insert(0, sounds + _syllables(name[len(surname) :]))
            break
    words: list[str] = []
    for syllables in readings:
        for word in ("".join(syllables), "".join(s[0] for s in syllables)):
            if word and word not in words:
                words.append(word)
    return tuple(words)


def case_search_text(*, number: str, title: str, names, summary: str) -> str:
    """What ``Case.search_text`` holds: the number, title, party names (in order),
    summary, then each name's pinyin and initials, lower-cased. The services write it;
    the benchmark's filler and the migration that refreshed old cases call this too."""
    names = list(names)
    pinyin = [word for name in names for word in name_pinyin(name)]
    return " ".join([number, title, " ".join(names), summary, *pinyin]).lower()


# <place code>-<year>-<sequence>, or any start of it from the first hyphen on.
NUMBER_PREFIX = re.compile(r"\d{6,12}-(?:\d{1,4}(?:-\d*)?)?")


def normalise_search(text: str) -> str:
    """Lower-cased, trimmed, and each run of spaces (full-width ones too) made one."""
    return WHITESPACE.sub(" ", (text or "").strip()).lower()


def joined_latin_words(text: str) -> str | None:
    """``zhang san`` (normalised) read as the one word ``zhangsan``; None unless the text
    is two or more words of Latin letters only."""
    return text.replace(" ", "") if LATIN_WORDS.fullmatch(text) else None


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
    if LATIN_LETTERS.fullmatch(text) and len(text) < MIN_LATIN_SEARCH:
        return queryset.none()
    if (joined := joined_latin_words(text)) is not None:
        # zhang san: a name's syllables typed apart, or words that stand apart.
        return queryset.filter(Q(search_text__contains=text) | Q(search_text__contains=joined))
    if HAN.search(text) and LATIN_LETTERS.search(text):
        # 张san: the name half typed in pinyin; the text itself may be a summary's word.
        pinyin = "".join(_syllables(text))
        return queryset.filter(Q(search_text__contains=text) | Q(search_text__contains=pinyin))
    queryset = queryset.filter(search_text__contains=text)
    if len(text) == 2 and connections[queryset.db].vendor == "postgresql":
        queryset = queryset.alias(search_bigrams=Bigrams("search_text")).filter(
            search_bigrams__contains=Bigrams(Value(text))
        )
    return queryset


def refresh_search_texts(
    case_model, party_model, *, using: str = "default", batch_size: int = 2000, after: int = 0
):
    """Rewrite ``search_text`` of every case with id above ``after`` from its number,
    title, parties and summary, in batches by id, each committed on its own; yields the
    last id of each batch and how many cases it rewrote, so a stopped run can go on with
    ``after``. The models are passed in so a migration can use its historical ones."""
    from django.db import transaction

    while True:
        cases = list(
            case_model.objects.using(using)
            .filter(pk__gt=after)
            .order_by("pk")
            .only("pk", "number", "title", "summary")[:batch_size]
        )
        if not cases:
            return
        names: dict[int, list[str]] = {case.pk: [] for case in cases}
        for case_id, name in (
            party_model.objects.using(using)
            .filter(case_id__in=names)
            .order_by("case_id", "pk")
            .values_list("case_id", "name")
        ):
            names[case_id].append(name)
        for case in cases:
            case.search_text = case_search_text(
                number=case.number, title=case.title, names=names[case.pk], summary=case.summary
            )
        with transaction.atomic(using=using):
            case_model.objects.using(using).bulk_update(cases, ["search_text"], batch_size=500)
        after = cases[-1].pk
        yield after, len(cases)
