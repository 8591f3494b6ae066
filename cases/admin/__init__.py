"""The back office for cases (DOMAIN §1, clerks). The admin corrects; it never moves a
case through its workflow by itself: every write is a call to ``cases.services``, the
same functions the portal uses, so the history records who changed what.

Importing the modules registers their ModelAdmins (admin autodiscovery imports this
package)."""

from cases.admin import case, lookups, parties, policies, records, refusals, watch

__all__ = ["case", "lookups", "parties", "policies", "records", "refusals", "watch"]
