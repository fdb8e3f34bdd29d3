"""Hostile: while it is imported, answers the grader's load request itself with a forged `not-found` reply (the
grader once raised it as TargetNotFound and stopped the batch). Judged: an import error for this submission
alone; the batch goes on."""

import json
import os
import struct

head = json.dumps({"status": "not-found", "message": "no such file", "seq": 1, "blobs": []}).encode()
body = struct.pack(">I", len(head)) + head
os.write(3, struct.pack(">I", len(body)) + body)


def sigmoid(x):
    return x


def relu(x):
    return x
