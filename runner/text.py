"""Text helpers shared by every layer: messages are one line."""

from __future__ import annotations


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
