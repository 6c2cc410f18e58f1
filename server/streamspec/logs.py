"""Log lines: readable text, or one JSON object per line (`STREAMSPEC_LOG_FORMAT=json`).

Every line carries the request id (`-` outside a request). The ASGI servers' own
lines go through the same handler: `python -m streamspec` hands them `log_config.json`
beside this module, and the app takes their loggers over again once it loads.
Nothing here adds secrets to a line; callers are hashes (see `streamspec.access`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import msgspec

from streamspec.access import ACCESS_LOGGER, access_fields
from streamspec.request_id import RequestIdLogFilter, current_request_id

__all__ = ["JsonFormatter", "configure_logging"]

# The ASGI servers' loggers (as in log_config.json), which keep handlers of their own
# unless told otherwise.
SERVER_LOGGERS = (
    "_granian",
    "granian.access",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "hypercorn.error",
    "hypercorn.access",
)
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, request_id, message, and the
    access fields (method, path, status, duration_ms, caller) on access lines."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "message": record.getMessage(),
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple):
            fields.update(access_fields(record.args))
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return _encode(fields).decode()


def configure_logging(level: str, log_format: str = "text") -> None:
    # No format here shows where a record was made or its thread: skip collecting them,
    # as the logging docs' "Optimization" section suggests (measured: the stack walk was
    # about a third of an access line's cost). hypercorn's own format shows the process.
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if log_format == "json":
        for name in SERVER_LOGGERS:
            server_logger = logging.getLogger(name)
            server_logger.handlers[:] = []
            server_logger.propagate = True
