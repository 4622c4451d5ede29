"""Units every stage prices in: a neutral bottom module (no imports), so any layer may use it."""

from __future__ import annotations

# Cloud price sheets bill a "month" of an hourly resource as 730 hours (365 x 24 / 12).
HOURS_PER_MONTH = 730
