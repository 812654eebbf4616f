"""Tensors on the wire (docs/protocol.md, "run"): {"dtype", "shape", "data"}, data the base64 of the little-endian
bytes in row-major order. Decoding and encoding are exact: float16, float32 and float64 map to NumPy's own dtypes,
and bfloat16 (which NumPy lacks) is carried as float32 arrays, since every bfloat16 value is a float32 value."""

import base64

import numpy as np

#: The NumPy dtype each wire dtype is decoded to. bfloat16 decodes to float32 (exactly) and float32 values are
#: rounded to bfloat16 when encoded.
ARRAY_DTYPES = {
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(np.float32),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}
WIRE_DTYPES = {"float16": np.dtype("<f2"), "float32": np.dtype("<f4"), "float64": np.dtype("<f8")}


def decode(tensor):
    """A wire tensor as a NumPy array: bool for a mask, float32 for bfloat16, else the dtype itself."""
    raw = base64.b64decode(tensor["data"], validate=True)
    shape = [int(d) for d in tensor["shape"]]
    dtype = tensor["dtype"]
    if dtype == "bool":
        return np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(shape)
    if dtype == "bfloat16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"tensor dtype {dtype!r}: expected bool, float16, bfloat16, float32 or float64")
    return np.frombuffer(raw, dtype=WIRE_DTYPES[dtype]).astype(ARRAY_DTYPES[dtype]).reshape(shape)


def encode(array, dtype):
    """A NumPy array (or anything np.asarray takes) as a wire tensor of `dtype`, rounded to nearest when it holds
    more precision; the shape is the array's own."""
    array = np.asarray(array)
    if dtype == "bfloat16":
        data = bfloat16_bits(array).astype("<u2").tobytes()
    elif dtype in WIRE_DTYPES:
        data = np.ascontiguousarray(array, dtype=WIRE_DTYPES[dtype]).tobytes()
    else:
        raise ValueError(f"output dtype {dtype!r}: expected float16, bfloat16, float32 or float64")
    return {"dtype": dtype, "shape": [int(d) for d in array.shape], "data": base64.b64encode(data).decode("ascii")}


def round_to(array, dtype):
    """The values an output of `dtype` carries: what decode(encode(array, dtype)) gives."""
    if dtype == "bfloat16":
        bits = bfloat16_bits(np.asarray(array)).astype(np.uint32) << 16
        return bits.view(np.float32)
    return np.asarray(array).astype(ARRAY_DTYPES[dtype])


def bfloat16_bits(array):
    """The nearest bfloat16 to each value as 16-bit patterns, ties to even, in one rounding straight from the
    value (rounding to float32 first would round twice); overflow gives infinity, NaN a quiet NaN. The same rule as
    the runner's BFloat16Bits.FromDouble."""
    values = np.asarray(array, dtype=np.float64)
    magnitude = np.abs(values)
    with np.errstate(over="ignore", invalid="ignore"):
        # Spacing of bfloat16 values in a binade: 8 significant bits; subnormals share the smallest normal's.
        _, exponent = np.frexp(magnitude)  # magnitude = m * 2**exponent with m in [0.5, 1)
        spacing = np.ldexp(1.0, np.maximum(exponent - 1, -126) - 7)
        rounded = np.round(magnitude / spacing) * spacing  # np.round rounds half to even
        rounded = np.where(np.isfinite(magnitude) & (rounded < 2.0 ** 128), rounded, np.inf)
    bits = (rounded.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    bits = np.where(np.signbit(values), bits | np.uint16(0x8000), bits)
    return np.where(np.isnan(values), np.uint16(0x7FC0), bits).astype(np.uint16)
