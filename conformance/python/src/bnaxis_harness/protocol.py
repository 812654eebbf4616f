"""The harness side of docs/protocol.md: JSON lines on stdin, one answer line per start and run on stdout, exit at
stop or end of input. Nothing but protocol lines goes to stdout; the implementation's prints are sent to stderr."""

import contextlib
import json
import sys

from .implementation import Implementation, answer


def serve(implementation=None, stdin=None, stdout=None, **functions):
    """Answers the runner until stop: serve(MyImplementation()) or serve(forward=f, backward=b, name="mine")."""
    if implementation is None:
        implementation = Implementation(**functions)
    elif functions:
        raise TypeError("serve() takes an implementation or functions, not both")
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    for line in stdin:
        reply = _reply(implementation, line)
        if reply is None:
            return
        stdout.write(json.dumps(reply, allow_nan=False) + "\n")
        stdout.flush()


def _reply(implementation, line):
    """The answer to one line; None for stop. A line that is not a usable message gets an error reply."""
    try:
        message = json.loads(line)
        command = message.get("cmd") if isinstance(message, dict) else None
    except ValueError as error:
        return {"error": {"message": f"not JSON: {error}"}}
    if command == "stop":
        return None
    if command == "start":
        return implementation.start_reply()
    if command == "run" and isinstance(message.get("seq"), int) and isinstance(message.get("case"), dict):
        # stdout carries protocol lines only: whatever the implementation prints goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            reply = answer(implementation, message["case"])
        reply["seq"] = message["seq"]
        return reply
    return {"error": {"message": f"not a start, run or stop message: {str(line)[:200]}"}}
