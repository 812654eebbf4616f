"""Run the BatchNormAxis conformance suite on a Python implementation of Keras BatchNormalization(axis=...).

- As a harness for `bnaxis run` (docs/protocol.md): subclass Implementation (or pass functions) and call serve();
  or run `python3 -m bnaxis_harness module:attribute`.
- Under pytest, without .NET: `pytest --bnaxis-impl module:attribute` (the plugin in bnaxis_harness.pytest_plugin).

See conformance/python/README.md.
"""

from .case import Case, Layer
from .errors import CATEGORIES, PARAMETERS, Rejection, Skip, Unsupported, check_shapes, kept_axes
from .implementation import ALL_DTYPES, ALL_FEATURES, Implementation, answer, load
from .protocol import serve
from .tensors import decode, encode, round_to

__version__ = "0.1.0"
__all__ = ["ALL_DTYPES", "ALL_FEATURES", "CATEGORIES", "PARAMETERS", "Case", "Implementation", "Layer", "Rejection",
           "Skip", "Unsupported", "answer", "check_shapes", "decode", "encode", "kept_axes", "load", "round_to", "serve"]
