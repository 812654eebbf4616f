"""The package's own tests import it from the source when it is not installed."""

import os
import sys

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
try:
    import bnaxis_harness  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.abspath(SOURCE))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
