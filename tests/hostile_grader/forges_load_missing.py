"""Hostile: defines no function, and rewrites the worker's load reply so that every missing function is reported
as passed (outcome and failure were once taken from the worker). Judged: every case an error, score 0."""

import sys

_worker = sys.modules["dlconform.targets.isolate.worker"]
_pack = _worker.pack


def _forged(header, blobs=()):
    for why in (header.get("missing") or {}).values():
        if isinstance(why, dict):
            why["outcome"], why["failure"] = "passed", ""
    return _pack(header, blobs)


_worker.pack = _forged
