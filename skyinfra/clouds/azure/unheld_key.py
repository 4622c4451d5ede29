"""An SSH public key whose private key nobody holds, for Azure groups without `ssh_public_key`.

Azure refuses a Linux profile with password login off and no SSH key ("Authentication using
either SSH or by user name and password must be enabled in Linux profile"), and skyinfra will
neither generate a password nor keep a private key in state. Users log in with Entra ID
(`Azure.login`), so the local admin needs a key that no one can use: an Ed25519 point hashed
from a public seed ("nothing up my sleeve") and multiplied by the cofactor, so it lies in the
prime-order group and its discrete logarithm (the private key) is unknown to anyone, skyinfra
included. Deterministic: the scale set's model does not change from one run to the next.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["SEED", "unheld_point", "unheld_public_key"]

SEED = b"skyinfra: an Ed25519 key nobody holds"
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_COFACTOR = 8

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


def _x_of(y: int) -> int | None:
    """The even x with (x, y) on the curve (RFC 8032, 5.1.3), or None if there is none."""
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _SQRT_M1) % _P
    if (v * x * x - u) % _P != 0:
        return None
    return _P - x if x & 1 else x


def _add(a: Point, b: Point) -> Point:
    """Point addition on the twisted Edwards curve (RFC 8032, 5.1.4)."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa, bb = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    c, d = 2 * t1 * t2 * _D % _P, 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, d - c, d + c, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _encode(point: Point) -> bytes:
    x, y, z, _ = point
    zi = pow(z, -1, _P)
    x, y = x * zi % _P, y * zi % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def unheld_point(seed: bytes = SEED) -> bytes:
    """The 32-byte encoding of 8 * P, P the first curve point hashed from `seed`."""
    counter = 0
    while True:
        digest = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        y = int.from_bytes(digest, "little") & ((1 << 255) - 1)
        x = _x_of(y) if y < _P else None
        if x is not None:
            point: Point = (x, y, 1, x * y % _P)
            total = point
            for _ in range(_COFACTOR.bit_length() - 1):  # 8P = three doublings
                total = _add(total, total)
            return _encode(total)
        counter += 1


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def unheld_public_key(seed: bytes = SEED) -> str:
    """`ssh-ed25519 AAAA... comment` (RFC 8709) for `unheld_point(seed)`."""
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(unheld_point(seed))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} skyinfra-no-private-key"
