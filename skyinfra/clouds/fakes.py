"""The mocks contract: what a cloud adds to the offline preview's fake provider.

Each cloud's `mocks.py` returns a `CloudFakes`; `skyinfra.preview` runs them under Pulumi's
mock engine. Plain data and hashing only (no pulumi), so the cloud modules depend on this
contract, not on the preview stage above them.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skyinfra.site import Site

__all__ = ["CloudFakes", "Fakes", "InvokeFake", "ResourceFake"]


@dataclass
class Fakes:
    """Deterministic fake values, derived from a seed string (usually the logical name)."""

    site: Site
    _ips: set[str] = field(default_factory=set)  # shared by every stack of one preview

    def hex(self, seed: str, length: int = 17) -> str:
        return hashlib.sha256(seed.encode()).hexdigest()[:length]

    def number(self, seed: str, digits: int = 12) -> str:
        return str(int(self.hex(seed, 16), 16))[:digits].rjust(digits, "0")

    def uuid(self, seed: str) -> str:
        h = self.hex(seed, 32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def public_ip(self, seed: str) -> str:
        """A distinct address from the documentation ranges (never a real host)."""
        pools = [
            ipaddress.IPv4Network(n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")
        ]
        start = int(self.hex(seed, 8), 16)
        for i in range(768):
            k = (start + i) % 768
            ip = str(pools[k // 256][k % 256])
            if ip not in self._ips and not ip.endswith((".0", ".255")):
                self._ips.add(ip)
                return ip
        raise RuntimeError("fake public IP pool exhausted")


ResourceFake = Callable[[str, dict[str, Any], Fakes], tuple[str | None, dict[str, Any]]]
InvokeFake = Callable[[dict[str, Any], Fakes], dict[str, Any]]


@dataclass(frozen=True)
class CloudFakes:
    """What one cloud's mocks add: per type token, an (id, extra outputs) function; invokes."""

    resources: Mapping[str, ResourceFake] = field(default_factory=dict)
    invokes: Mapping[str, InvokeFake] = field(default_factory=dict)
    default_id: Callable[[str, str, Fakes], str] | None = None
