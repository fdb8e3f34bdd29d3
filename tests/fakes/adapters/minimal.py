"""A minimal dlconform adapter written from docs/protocol.md alone: sigmoid and relu in float64, text values."""

import json
import math
import sys

SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def text(x):
    return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity") if math.isinf(x) else x


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def relu(x):
    return x if x > 0 or x != x else 0.0 * x if x == 0 else 0.0


FUNCTIONS = {"sigmoid": sigmoid, "relu": relu}


def reply(message):
    if message["type"] == "hello":
        return {"type": "describe", "protocol": 1, "name": "minimal", "version": "1", "language": "python",
                "functions": list(FUNCTIONS), "dtypes": ["float64"], "encoding": "text"}  # fmt: skip
    arg = message["args"][0]
    if arg["dtype"] != "float64":  # Python numbers arrive whatever dtypes says
        return {"type": "unsupported", "id": message["id"], "reason": f"{arg['dtype']} is not float64"}
    got = [text(FUNCTIONS[message["function"]](SPECIAL.get(v, v))) for v in arg["values"]]
    kind = "scalar" if arg["kind"] == "array" and not arg["shape"] else arg["kind"]
    return {"type": "result", "id": message["id"], "value": {**arg, "kind": kind, "values": got}}


for line in sys.stdin:
    message = json.loads(line)
    if message["type"] == "bye":
        break
    print(json.dumps(reply(message)), flush=True)
