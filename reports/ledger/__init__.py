"""The rows of the monthly ledger (月度台账, DOMAIN §5): what the xlsx and CSV exports write.

The ledger of an area and a period is every case of the area and everything under it,
voided ones left out, whose registration date (``received_on``) falls in the period, in
registration order; the same cohort the statistics count.

**Streaming.** A district's year is ~100,000 cases, so nothing here holds more than one
chunk: cases are read in keyset chunks (``received_on, id`` after the last one seen),
each chunk with a fixed handful of ``values_list`` queries for its parties, mediators,
session counts, current agreement and follow-ups, whatever the chunk size. No model is
instantiated per row: the rows are plain tuples built from plain tuples, and every label
(status, grade, source, ...) is looked up once per export in the active language. Memory
stays flat however many cases there are; time grows with the rows.

ID numbers and mobiles are masked (``common.validators``): the ledger travels upward and
is printed, the full numbers stay in the portal where reading them is logged.

**Where things are.** ``reading`` (the queries), ``read_ahead`` (the helper thread) and
``rows`` (the tuples the exporters write).
"""

from reports.ledger.read_ahead import in_background, may_read_ahead
from reports.ledger.reading import count_rows, ledger_cases
from reports.ledger.rows import (
    CHUNK_SIZE,
    FOLLOW_UP_COLUMNS,
    Labels,
    LedgerChunk,
    Progress,
    follow_up_rows,
    iter_chunks,
    ledger_rows,
)

__all__ = [
    "CHUNK_SIZE",
    "FOLLOW_UP_COLUMNS",
    "Labels",
    "LedgerChunk",
    "Progress",
    "count_rows",
    "follow_up_rows",
    "in_background",
    "iter_chunks",
    "ledger_cases",
    "ledger_rows",
    "may_read_ahead",
]
