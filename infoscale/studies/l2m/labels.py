"""How the L²M tables and figures name a family, and the markers that tell lengths apart."""

from __future__ import annotations

MARKERS = "osD^vP*X"


def family_label(row: dict) -> str:
    """A family as a short label: its name and parameters (the boundary step left out when on)."""
    params = row["family_params"]
    return row["family"] + "".join(f" {k}={v}" for k, v in params.items() if not (k == "boundary" and v is True))
