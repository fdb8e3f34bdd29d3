"""A test adapter speaking protocol 1 with text values: sigmoid, basic_sigmoid and L1 giving float64, exactly as the
reference computes them, or one way of breaking the protocol chosen by its first argument (see MODES).

Only the standard library: it is what an adapter author would write from docs/protocol.md.
"""

import json
import math
import os
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "good"
STATE = sys.argv[2] if len(sys.argv) > 2 else ""  # a file counting starts, for the modes that die once
MODES = {
    "good": "answers every call correctly",
    "garbage": "answers calls with a line that is not JSON",
    "partial": "writes half a reply, no newline, then waits",
    "huge": "answers with a 100 MB line",
    "wrong-id": "answers with the id of another call",
    "exit": "exits in the middle of its second call",
    "exit-once": "exits in its first call, then behaves when restarted",
    "silent": "never answers a call",
    "noise": "prints a line of its own before each reply",
    "unknown": "answers with a message type the protocol does not have",
    "bad-value": "answers with values that do not fill the shape",
    "describe-garbage": "answers hello with a line that is not JSON",
    "describe-silent": "never answers hello",
    "describe-exit": "exits before answering hello",
    "load-error": "says the implementation failed to load",
    "raises": "raises ValueError on every call",
    "unsupported": "answers every call as unsupported",
    "children": "starts a child that outlives it unless its session is killed, then never answers",
}


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def number(v):
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else v


def text(x):
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def logistic(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def answer(call):
    name, args = call["function"], call["args"]
    values = [[number(v) for v in a["values"]] for a in args]
    if name == "L1":
        return {
            "kind": "scalar",
            "dtype": "float64",
            "shape": [],
            "values": [text(math.fsum(abs(a - b) for a, b in zip(values[1], values[0], strict=True)))],
        }
    out = [text(logistic(v)) for v in values[0]]
    kind = "python" if name == "basic_sigmoid" else args[0]["kind"]
    return {"kind": kind, "dtype": "float64", "shape": args[0]["shape"], "values": out}


def main():
    starts = 0
    if STATE:
        if os.path.exists(STATE):
            with open(STATE) as f:
                starts = int(f.read() or 0)
        with open(STATE, "w") as f:
            f.write(str(starts + 1))
    calls = 0
    for line in sys.stdin:
        message = json.loads(line)
        if message["type"] == "hello":
            if MODE == "describe-garbage":
                print("Welcome to my adapter!", flush=True)
                continue
            if MODE == "describe-silent":
                time.sleep(60)
            if MODE == "describe-exit":
                sys.exit(4)
            describe = {
                "type": "describe",
                "protocol": 1,
                "name": f"fake-{MODE}",
                "version": "1.0",
                "language": "python",
                "functions": ["sigmoid", "basic_sigmoid", "L1"],
                "dtypes": ["float64", "int64"],
                "encoding": "text",
            }
            if MODE == "load-error":
                describe["load_error"] = "SyntaxError: unexpected token in solution.js"
            send(describe)
        elif message["type"] == "bye":
            return
        elif message["type"] == "call":
            calls += 1
            try:
                reply = {"type": "result", "id": message["id"], "value": answer(message)}
            except ValueError as exc:  # zip(strict=True): inputs of different lengths
                reply = {"type": "error", "id": message["id"], "error": {"type": "ValueError", "message": str(exc)}}
            if MODE == "garbage":
                print("<<<this is not json>>>", flush=True)
            elif MODE == "partial":
                sys.stdout.write('{"type": "result", "id": ')
                sys.stdout.flush()
                time.sleep(60)
            elif MODE == "huge":
                sys.stdout.write("[" + "1," * (50 << 20) + "1]\n")
                sys.stdout.flush()
            elif MODE == "wrong-id":
                send({**reply, "id": message["id"] + 7})
            elif (MODE == "exit" and calls == 2) or (MODE == "exit-once" and starts == 0):
                sys.stderr.write("fake adapter: exiting on purpose\n")
                sys.exit(3)
            elif MODE == "silent":
                time.sleep(60)
            elif MODE == "noise":
                print("debug: computing", flush=True)
                send(reply)
            elif MODE == "unknown":
                send({"type": "progress", "id": message["id"], "done": 0.5})
            elif MODE == "bad-value":
                send({**reply, "value": {**reply["value"], "shape": [99]}})
            elif MODE == "raises":
                send(
                    {
                        "type": "error",
                        "id": message["id"],
                        "error": {"type": "ValueError", "bases": ["Exception"], "message": "bad input"},
                    }
                )
            elif MODE == "unsupported":
                send({"type": "unsupported", "id": message["id"], "reason": "no such thing in this language"})
            elif MODE == "children":
                child = os.fork()
                if child == 0:
                    time.sleep(60)
                    os._exit(0)
                with open(STATE, "w") as f:
                    f.write(str(child))
                time.sleep(60)
            else:
                send(reply)


if __name__ == "__main__":
    main()
