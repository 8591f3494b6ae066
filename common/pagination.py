"""The one paginator of every paged list: the portal's pages and every admin changelist.

Counting every matching row costs as much as reading them (a district's ledger counts a
million rows on each request), so ``CappedPaginator`` counts at most
``settings.FENGQIAO_EXACT_COUNT_LIMIT`` rows with a LIMITed subquery. Over the limit the
count is a floor ("共 10,000+ 件") and the exact figure is one click away
(``EXACT_COUNT_PARAM``). A capped paginator always offers one page beyond what it counted,
so "next" is never lost; asking for a deeper page (``wanted_page``) counts that far.

Beyond the numbered pages, a list in a fixed order pages by keyset (``KeysetPaginator``):
"the rows after this one", an index range scan that costs what page 1 costs at any depth.
Its cursor is an opaque token of the boundary row's ordering values; it only says where to
start reading the queryset it is given, so it can never widen what that queryset shows.
"""

import base64
import binascii
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property

EXACT_COUNT_PARAM = "exact_count"
AFTER_PARAM = "after"
BEFORE_PARAM = "before"


def rows_by_ids(queryset, bottom: int, top: int):
    """Rows ``bottom:top`` of ``queryset``, their ids chosen first in a subquery.

    One query still, but the subquery needs only the ordering, filter and id columns, so
    PostgreSQL walks an index that includes them (an index-only scan) past the rows it
    skips or filters out, and reads from the table only the page's own rows: a deep page
    or a sparse filter no longer fetches every row it passes over."""
    if not isinstance(queryset, QuerySet) or queryset.query.distinct or queryset.query.combinator:
        return queryset[bottom:top]
    return queryset.filter(pk__in=queryset.values("pk")[bottom:top])


def exact_count_requested(params) -> bool:
    return params.get(EXACT_COUNT_PARAM) in ("1", "on", "true")


class CappedPage(Page):
    """A numbered page. ``next_cursor`` is set where "next" continues by keyset."""

    next_cursor = ""
    previous_cursor = ""

    @property
    def last_page_number(self) -> int | None:
        """The last page, when it is known and may be reached by its number."""
        paginator = self.paginator
        if paginator.count_capped:
            return None
        limit = paginator.max_numbered_page
        if limit is not None and paginator.num_pages > limit:
            return None
        return paginator.num_pages

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CappedPaginator(Paginator):
    """A Django paginator whose count stops at ``limit`` rows unless ``exact`` is asked.

    ``count`` is then the number counted (a multiple of the page size, at least the limit)
    and ``count_capped`` is True: there are more rows than that. ``wanted_page`` (the page
    about to be shown) raises the probe so that any page number can be reached: the
    admin's pager pages by number only. ``max_numbered_page`` is how deep a list lets
    pages go by number before it continues by keyset (None: no limit).
    """

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        exact=False,
        limit=None,
        wanted_page=None,
        max_numbered_page=None,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.exact = exact
        self.limit = settings.FENGQIAO_EXACT_COUNT_LIMIT if limit is None else limit
        self.wanted_page = wanted_page
        self.max_numbered_page = max_numbered_page
        self.count_capped = False

    @cached_property
    def count(self):
        if self.exact or not isinstance(self.object_list, QuerySet):
            return super().count
        per_page = int(self.per_page)
        wanted = max(self.limit, (self.wanted_page or 1) * per_page)
        probe = math.ceil(wanted / per_page) * per_page
        counted = self.object_list.order_by().values("pk")[: probe + 1].count()
        if counted > probe:
            self.count_capped = True
            return probe
        return counted

    @cached_property
    def num_pages(self):
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        if self.count_capped:
            # One page more than counted: it holds at least one row.
            return self.count // int(self.per_page) + 1
        return super().num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.count_capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_by_ids(self.object_list, bottom, top), number, self)

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)


def wanted_page_number(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class BadCursor(ValueError):
    """A cursor that is not one this list gave out (edited, truncated, another list's)."""


class KeysetPage:
    """A page read by keyset: the rows after (or before) a boundary row.

    Quacks like a ``Page`` for the templates (``object_list``, ``has_next`` and so on);
    ``paginator`` is the list's ``CappedPaginator``, for the count line."""

    number = None
    last_page_number = None

    def __init__(self, object_list, *, paginator, has_next, has_previous, cursor_of):
        self.object_list = object_list
        self.paginator = paginator
        self._has_next = has_next
        self._has_previous = has_previous
        self.next_cursor = cursor_of(object_list[-1]) if has_next and object_list else ""
        self.previous_cursor = cursor_of(object_list[0]) if has_previous and object_list else ""

    def __len__(self):
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self._has_previous

    def has_other_pages(self):
        return self._has_next or self._has_previous


class KeysetPaginator:
    """Pages a queryset in descending ``(field, pk)`` order by keyset.

    The cursor is base64 of the boundary row's field value and primary key; a cursor that
    does not decode to a value of the field and an integer raises ``BadCursor``."""

    def __init__(self, queryset: QuerySet, per_page: int, *, field: str, counter=None):
        self.queryset = queryset
        self.per_page = int(per_page)
        self.field = field
        self.model_field = queryset.model._meta.get_field(field)
        self.counter = counter

    def cursor_of(self, row) -> str:
        text = f"{self.model_field.value_to_string(row)}|{row.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, cursor: str):
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            value, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
            value = self.model_field.to_python(value)
            pk = int(pk)
        except (ValueError, TypeError, UnicodeError, binascii.Error, ValidationError) as error:
            raise BadCursor(cursor) from error
        if value is None or pk <= 0:
            raise BadCursor(cursor)
        return value, pk

    def after(self, cursor: str) -> KeysetPage:
        value, pk = self.decode(cursor)
        f = self.field
        rows = self.queryset.filter(
            Q(**{f"{f}__lte": value}), Q(**{f"{f}__lt": value}) | Q(pk__lt=pk)
        ).order_by(f"-{f}", "-pk")
        rows = list(rows_by_ids(rows, 0, self.per_page + 1))
        return KeysetPage(
            rows[: self.per_page],
            paginator=self.counter,
            has_next=len(rows) > self.per_page,
            has_previous=True,
            cursor_of=self.cursor_of,
        )

    def before(self, cursor: str) -> KeysetPage:
        value, pk = self.decode(cursor)
        f = self.field
        rows = self.queryset.filter(
            Q(**{f"{f}__gte": value}), Q(**{f"{f}__gt": value}) | Q(pk__gt=pk)
        ).order_by(f, "pk")
        rows = list(rows_by_ids(rows, 0, self.per_page + 1))
        has_previous = len(rows) > self.per_page
        rows = rows[: self.per_page][::-1]
        return KeysetPage(
            rows,
            paginator=self.counter,
            has_next=True,
            has_previous=has_previous,
            cursor_of=self.cursor_of,
        )


def list_page(queryset: QuerySet, params, *, per_page: int, keyset_field: str):
    """The page of a list in ``(-keyset_field, -pk)`` order that ``params`` asks for.

    Pages by number up to the count limit, by keyset beyond it (``after`` / ``before``).
    Returns ``(page, bad_cursor)``: a cursor that cannot be read gives page 1 and True,
    for the view to say so."""
    exact = exact_count_requested(params)
    max_numbered = max(1, settings.FENGQIAO_EXACT_COUNT_LIMIT // int(per_page))
    counter = CappedPaginator(queryset, per_page, exact=exact, max_numbered_page=max_numbered)
    keyset = KeysetPaginator(queryset, per_page, field=keyset_field, counter=counter)
    for param, read in ((AFTER_PARAM, keyset.after), (BEFORE_PARAM, keyset.before)):
        cursor = params.get(param)
        if cursor:
            try:
                return read(cursor), False
            except BadCursor:
                return counter.get_page(1), True
    number = params.get("page")
    try:
        number = counter.validate_number(number) if number is not None else 1
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = counter.num_pages
    number = min(number, max_numbered)
    page = counter.page(number)
    if number == max_numbered and page.has_next() and page.object_list:
        # Deeper than this by keyset: "next" continues after this page's last row.
        rows = list(page.object_list)
        page.object_list = rows
        page.next_cursor = keyset.cursor_of(rows[-1])
    return page, False
