"""python3 -m bnaxis_harness module:attribute: serves that implementation as a harness.

    bnaxis run --harness "python3 -m bnaxis_harness mypkg.mod:MyBatchNorm"
"""

import sys

from .implementation import load
from .protocol import serve


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: python3 -m bnaxis_harness module:attribute | path/to/file.py:attribute\n"
                         "serves that implementation over docs/protocol.md on stdin/stdout\n")
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    try:
        implementation = load(argv[0])
    except (ValueError, ImportError) as error:
        sys.stderr.write(f"bnaxis_harness: {error}\n")
        return 2
    serve(implementation)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
