"""Every pair of registered clouds (and two regions of each cloud) runs the whole
`PairContract` (the `pair` and `sites` fixtures, conftest.py)."""

from __future__ import annotations

from tests.clouds.contract import PairContract


class TestPairContract(PairContract):
    """Binds the abstract suite: collected once per pair of `cloud_names()`."""
