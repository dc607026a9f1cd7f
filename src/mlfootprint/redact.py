"""Secrets never printed: credentials in URLs and connection strings are masked before any text is shown,
logged or stored.

Masked: the password of a URL's userinfo (``postgresql://me:***@host/db``), the value of every query
parameter or ``key=value`` connection-string field whose name says it is a secret (``password``,
``sslpassword``, ``passfile``, ``token``, ``key``, ``api_key``, ``secret``, ``auth``, ...), and the
secrets a caller registers (API keys, tokens). ``check_secret`` validates a key without echoing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from mlfootprint.errors import ConfigError

__all__ = ["MASK", "check_secret", "is_secret_name", "mask_text", "mask_url"]

MASK = "***"

_SECRET_WORDS = ("pass", "pwd", "token", "key", "secret", "auth", "credential", "signature", "sig")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@?#:]*):([^/?#]*)@")
_QUERY_PARAM = re.compile(r"((?:^|(?<=[&;]))([^=&;]+)=)([^&;]*)")
_FIELD = re.compile(
    r"(?i)\b([a-z_]*(?:pass|pwd|token|key|secret|auth|credential)[a-z_]*)\s*=\s*('[^']*'|[^\s&;,'\"]+)"
)


def is_secret_name(name: str) -> bool:
    """Whether a parameter or field called ``name`` holds a secret."""
    lower = name.lower()
    return any(word in lower for word in _SECRET_WORDS)


def mask_url(url: str) -> str:
    """``url`` with its userinfo password and its secret query parameters masked; the rest unchanged."""
    match = _USERINFO.match(url)
    if match and "[" not in match.group(2):
        url = f"{match.group(1)}{match.group(2)}:{MASK}@{url[match.end() :]}"
    head, sep, rest = url.partition("?")
    if not sep:
        return url
    query, hash_sep, fragment = rest.partition("#")
    query = _QUERY_PARAM.sub(
        lambda m: f"{m.group(1)}{MASK}" if is_secret_name(unquote(m.group(2))) else m.group(0), query
    )
    return f"{head}?{query}{hash_sep}{fragment}"


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL masked (``mask_url``), every ``password=...`` field masked and ``secrets``
    (exact strings, e.g. an API key) replaced by ``***``."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
        stripped = secret.strip()
        if stripped and stripped != secret and len(stripped) >= 4:
            text = text.replace(stripped, MASK)
    text = _URL.sub(lambda m: mask_url(m.group(0)), text)
    return _FIELD.sub(lambda m: f"{m.group(1)}={MASK}", text)


def check_secret(name: str, value: str) -> str:
    """``value`` if it can be sent in an HTTP header; ``ConfigError`` naming ``name``, never the value.

    Leading and trailing whitespace (a newline pasted with the key) is refused rather than silently
    stripped, so that the user fixes the variable everywhere it is used.
    """
    if value != value.strip():
        raise ConfigError(
            f"{name}: the value has leading or trailing whitespace (a pasted newline?); "
            "the value is not shown"
        )
    bad = [c for c in value if ord(c) < 0x20 or ord(c) == 0x7F or ord(c) > 0x7E]
    if bad:
        raise ConfigError(
            f"{name}: the value contains {len(bad)} control or non-ASCII character(s); the value is not shown"
        )
    return value
