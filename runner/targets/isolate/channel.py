"""The grader's end of a worker's protocol socket: a request leaves in one system call, replies come in chunks.

A batch's replies often arrive together: one read takes what is there, and the next replies are found already read.
Each frame's length prefix is still checked against the limit of the reply it is due as before its body is
allocated, and no more than one chunk is read ahead of the frame being assembled, so what a worker sends early
costs the grader at most ``CHUNK`` bytes.
"""

from __future__ import annotations

import socket

from dlconform.targets.isolate.protocol import ProtocolError, frame_length

CHUNK = 1 << 16  # bytes read at once while no frame body is being filled
IOV = 512  # buffers per sendmsg (the kernel takes up to 1,024)
_PREFIX = 4


class Inbox:
    """Frames assembled from a non-blocking socket's bytes: read-ahead (``data``, at most a chunk) and the body of
    the frame being filled, which is read into directly."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.body: bytearray | None = None
        self.got = 0

    def take(self, limit: int) -> bytearray | None:
        """A complete frame body from what was already read, or None; a frame announced longer than ``limit`` bytes
        is refused (ProtocolError) before it is allocated."""
        if self.body is None:
            if len(self.data) < _PREFIX:
                return None
            length = frame_length(self.data[:_PREFIX])
            if length > limit:
                raise ProtocolError(f"a reply of {length} bytes where at most {limit} were due")
            self.body = bytearray(length)
            self.got = min(length, len(self.data) - _PREFIX)
            self.body[: self.got] = self.data[_PREFIX : _PREFIX + self.got]
            del self.data[: _PREFIX + self.got]
        if self.got < len(self.body):
            return None
        body, self.body = self.body, None
        return body

    def feed(self, sock: socket.socket, limit: int) -> bytearray | None:
        """A complete frame body, from what was read before or what the socket has now (one read); None while it
        is incomplete. Raises EOFError at end of stream, BlockingIOError when nothing is there."""
        found = self.take(limit)
        if found is not None:
            return found
        if self.body is not None:  # a frame being filled: read straight into it, never past it
            count = sock.recv_into(memoryview(self.body)[self.got :])
            if not count:
                raise EOFError
            self.got += count
        else:
            chunk = sock.recv(CHUNK)
            if not chunk:
                raise EOFError
            self.data += chunk
        return self.take(limit)


def send_some(sock: socket.socket, pending: list[memoryview]) -> list[memoryview]:
    """Send what a non-blocking socket takes now of ``pending`` (one ``sendmsg`` of its buffers); what is left.
    Raises OSError (but BlockingIOError) when the socket is closed."""
    try:
        sent = sock.sendmsg(pending[:IOV])
    except BlockingIOError:
        return pending
    done = 0
    while done < len(pending) and sent >= len(pending[done]):
        sent -= len(pending[done])
        done += 1
    left = pending[done:]
    if left and sent:
        left[0] = left[0][sent:]
    return left
