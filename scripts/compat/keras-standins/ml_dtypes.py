"""Stand-in for ml_dtypes: Keras 3.15.1 imports it at module top (keras/src/ops/core.py, saving/saving_lib.py,
layers/core/dense.py, ...) and uses it only for bfloat16/float8 types and finfo/iinfo look-ups, none of which the
BatchNormalization layer reaches for float16/32/64. Using anything here raises ImportError, so bfloat16 is
simply not available (the Keras harness probes `ml_dtypes.bfloat16` and declares no bfloat16). With the real,
compiled ml_dtypes (`pip install keras` brings it) this file is never on the path.
"""


def __getattr__(name):
    raise ImportError(f"ml_dtypes.{name}: ml_dtypes is not installed; this is the BatchNormAxis stand-in "
                      "(scripts/compat/keras-standins), which only lets Keras import")
