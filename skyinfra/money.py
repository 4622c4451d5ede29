"""How money prints: `$1,234.50`, and a difference with its sign in front (`-$43.41`)."""

from __future__ import annotations


def usd(amount: float) -> str:
    """`$1,234.50`; a negative amount `-$1,234.50` (never `$-1,234.50`)."""
    cents = round(amount, 2)
    return f"{'-' if cents < 0 else ''}${abs(cents):,.2f}"


def usd_delta(amount: float) -> str:
    """A difference, signed: `+$13.94`, `-$43.41` (never `+$-43.41`); zero is `+$0.00`."""
    cents = round(amount, 2)
    return f"{'-' if cents < 0 else '+'}${abs(cents):,.2f}"
