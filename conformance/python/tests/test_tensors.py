"""Wire tensors: float16/32/64 bit-exact both ways, bfloat16 rounded once to nearest-even (BFloat16Bits.FromDouble)."""

import base64

import numpy as np
import pytest

from bnaxis_harness import decode, encode, round_to
from bnaxis_harness.tensors import bfloat16_bits


@pytest.mark.parametrize("dtype, numpy_dtype", [("float16", np.float16), ("float32", np.float32), ("float64", np.float64)])
def test_round_trip_is_bit_exact_including_nan_payloads_and_signed_zero(dtype, numpy_dtype):
    bits = {"float16": "<u2", "float32": "<u4", "float64": "<u8"}[dtype]
    values = np.array([0.0, -0.0, 1.5, np.inf, -np.inf, np.finfo(numpy_dtype).tiny / 4, np.finfo(numpy_dtype).max], dtype=numpy_dtype)
    payload_nan = np.array([np.iinfo(bits[1:]).max // 2 - 1], dtype=bits).view(numpy_dtype)  # a NaN with a payload
    values = np.concatenate([values, payload_nan]).reshape(2, 4)
    tensor = encode(values, dtype)
    assert tensor["shape"] == [2, 4]
    assert base64.b64decode(tensor["data"]) == values.astype(values.dtype.newbyteorder("<")).tobytes()
    assert decode(tensor).view(bits).tolist() == values.view(bits).tolist()


def test_encode_rounds_wider_values_to_the_case_dtype():
    tensor = encode(np.array([1 + 2.0 ** -12]), "float16")  # halfway between 1 and 1 + 2**-10 is 1 + 2**-11
    assert decode(tensor).tolist() == [1.0]


@pytest.mark.parametrize("value, bits", [
    (1.0, 0x3F80),
    (1 + 2.0 ** -8, 0x3F80),                  # a tie: to even (down)
    (1 + 3 * 2.0 ** -8, 0x3F82),              # a tie: to even (up)
    (1 + 2.0 ** -8 + 2.0 ** -30, 0x3F81),     # above the tie only in float64: rounding via float32 would give 0x3F80
    (-0.0, 0x8000),
    (2.0 ** -133, 0x0001),                    # the smallest subnormal
    (3.4e38, 0x7F80),                         # above the largest finite bfloat16 (3.3895e38) by more than half a step
    (-np.inf, 0xFF80),
    (np.nan, 0x7FC0),
])
def test_bfloat16_rounds_once_to_nearest_even(value, bits):
    assert int(bfloat16_bits(np.array([value]))[0]) == bits


def test_bfloat16_decodes_to_float32_and_round_trips():
    tensor = {"dtype": "bfloat16", "shape": [3], "data": base64.b64encode(np.array([0x3F80, 0xC000, 0x7F80], dtype="<u2").tobytes()).decode()}
    values = decode(tensor)
    assert values.dtype == np.float32 and values.tolist() == [1.0, -2.0, np.inf]
    assert encode(values, "bfloat16") == tensor
    assert round_to(np.array([1 + 2.0 ** -8 + 2.0 ** -30]), "bfloat16").tolist() == [1 + 2.0 ** -7]


def test_masks_decode_as_bool():
    tensor = {"dtype": "bool", "shape": [2, 2], "data": base64.b64encode(bytes([1, 0, 0, 1])).decode()}
    assert decode(tensor).tolist() == [[True, False], [False, True]]


def test_a_shape_that_disagrees_with_the_data_is_refused():
    with pytest.raises(ValueError):
        decode({"dtype": "float32", "shape": [3], "data": base64.b64encode(bytes(8)).decode()})
