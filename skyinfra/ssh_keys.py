"""OpenSSH public keys (one `authorized_keys` line), checked when the spec loads.

Every cloud parses the key at deploy time and refuses one it cannot read (Azure rejects
the scale set's `keyData`, EC2 refuses to import the key pair), after other resources were
already created. So the spec checks what they check: a known key type, a base64 body that
decodes to the SSH wire format (RFC 4253 section 6.6, RFC 8709 for Ed25519, RFC 5656 for
ECDSA), the same type named inside the body as before it, and RSA keys of at least 2048 bits
(Azure's minimum: https://learn.microsoft.com/azure/virtual-machines/linux/mac-create-ssh-keys).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from skyinfra.suggest import did_you_mean

__all__ = ["KEY_TYPES", "RSA_MIN_BITS", "check_public_key"]

RSA_MIN_BITS = 2048
_ED25519_BYTES = 32
# ECDSA key type -> (curve name inside the body, length of the uncompressed point 04||X||Y).
_CURVES = {
    "ecdsa-sha2-nistp256": ("nistp256", 65),
    "ecdsa-sha2-nistp384": ("nistp384", 97),
    "ecdsa-sha2-nistp521": ("nistp521", 133),
}
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", *_CURVES)


class _Blob:
    """Reads the length-prefixed fields of an SSH public key blob."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def string(self) -> bytes:
        if self.at + 4 > len(self.data):
            raise ValueError("the key body ends early: it is truncated or not a public key")
        size = int.from_bytes(self.data[self.at : self.at + 4], "big")
        start, self.at = self.at + 4, self.at + 4 + size
        if self.at > len(self.data):
            raise ValueError("the key body ends early: it is truncated or not a public key")
        return self.data[start : self.at]

    @property
    def done(self) -> bool:
        return self.at == len(self.data)


def check_public_key(text: str) -> None:
    """Raise ValueError saying what is wrong with `text` as an OpenSSH public key line."""
    line = text.strip()
    if line.startswith("-----BEGIN"):
        raise ValueError("this is a private key: give the public key (the `.pub` file) instead")
    if "\n" in line:
        raise ValueError("give one public key on one line (`<type> <base64> [comment]`)")
    fields = line.split(maxsplit=2)
    if len(fields) < 2:
        raise ValueError(
            "expected an OpenSSH public key `<type> <base64> [comment]`, such as the "
            "contents of ~/.ssh/id_ed25519.pub"
        )
    kind, body = fields[0], fields[1]
    if kind not in KEY_TYPES:
        hint = did_you_mean(kind, list(KEY_TYPES))
        raise ValueError(
            f"unsupported key type {kind!r} (use {', '.join(KEY_TYPES)})"
            + (f"; {hint}" if hint else "")
        )
    try:
        blob = _Blob(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        raise ValueError("the key body is not valid base64 (was the key cut or edited?)") from None
    inner = blob.string().decode("ascii", errors="replace")
    if inner != kind:
        raise ValueError(f"the key is labelled {kind!r} but its body holds a {inner!r} key")
    _BODIES[kind](blob, kind)
    if not blob.done:
        raise ValueError("the key body has trailing bytes: it is not a single public key")


def _ed25519(blob: _Blob, kind: str) -> None:
    if len(blob.string()) != _ED25519_BYTES:
        raise ValueError(f"an {kind} key holds {_ED25519_BYTES} bytes: this one is damaged")


def _rsa(blob: _Blob, kind: str) -> None:
    exponent = int.from_bytes(blob.string(), "big")
    bits = int.from_bytes(blob.string(), "big").bit_length()
    if exponent < 3 or exponent % 2 == 0:
        raise ValueError("the RSA key's public exponent is invalid: the key is damaged")
    if bits < RSA_MIN_BITS:
        raise ValueError(
            f"the RSA key has {bits} bits; clouds require at least {RSA_MIN_BITS} "
            "(generate one with `ssh-keygen -t ed25519`)"
        )


def _ecdsa(blob: _Blob, kind: str) -> None:
    curve, point_size = _CURVES[kind]
    named = blob.string().decode("ascii", errors="replace")
    point = blob.string()
    if named != curve:
        raise ValueError(f"the {kind} key names curve {named!r}, not {curve!r}")
    if len(point) != point_size or point[:1] != b"\x04":
        raise ValueError(f"the {kind} key's point is not an uncompressed {curve} point")


_BODIES: dict[str, Callable[[_Blob, str], None]] = {
    "ssh-ed25519": _ed25519,
    "ssh-rsa": _rsa,
    **dict.fromkeys(_CURVES, _ecdsa),
}
