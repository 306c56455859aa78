"""The server's log: one root handler, through which nothing secret passes.

Storage SDKs log what they send at DEBUG: botocore its canonical requests (presigned
signatures, session tokens), oss2 and azure their request headers. ``--log-level debug``
is for our own code, so their records below WARNING never reach the handler, and URL
signatures, credentials, tokens and access keys are masked in whatever does (the access
log shows signed ``/storage`` URLs). The filter sits on the handler, not on loggers: a
logger's filters do not see records its children propagate.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: Loggers of the storage SDKs and their HTTP stacks (prefixes: children included).
SDK_LOGGERS = (
    "botocore",
    "aiobotocore",
    "boto3",
    "s3transfer",
    "s3fs",
    "urllib3",
    "requests",
    "aiohttp",
    "azure",
    "adlfs",
    "oss2",
    "ossfs",
    "aiooss2",
    "fsspec",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"

_SECRET_PARAMS = re.compile(
    r"((?:signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|security-token)=)"
    r"[^&\s\"',;]+",
    re.IGNORECASE,
)
_SECRET_HEADERS = re.compile(
    r"((?:authorization|x-token|x-amz-security-token|x-oss-security-token)['\"]?\s*[:=]\s*b?['\"]?)"
    r"[^'\"\r\n]+",
    re.IGNORECASE,
)
_ACCESS_KEYS = re.compile(r"(Accesskey-)[0-9a-f]{8,}")


def redact(text: str) -> str:
    """``text`` with signatures, credentials, tokens and access keys masked."""
    for pattern in (_SECRET_PARAMS, _SECRET_HEADERS, _ACCESS_KEYS):
        text = pattern.sub(rf"\1{MASK}", text)
    return text


def _is_sdk(name: str) -> bool:
    return any(name == sdk or name.startswith(sdk + ".") for sdk in SDK_LOGGERS)


class LogHygiene(logging.Filter):
    """A handler filter: drops SDK records below WARNING and masks secrets in the rest."""

    def _redact(self, value: Any) -> Any:
        return redact(value) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and _is_sdk(record.name):
            return False
        record.msg = self._redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        if record.exc_info and not record.exc_text:
            # Formatted (and cached on the record) here, so a traceback is masked too.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` through one filtered handler; SDK loggers stay at WARNING."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    for handler in logging.getLogger().handlers:
        handler.addFilter(LogHygiene())
