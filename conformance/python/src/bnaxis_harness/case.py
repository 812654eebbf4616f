"""One case as forward() and backward() see it: the run message's case with every tensor decoded."""

import numpy as np

from . import tensors


class Layer:
    """The layer's arguments (docs/protocol.md, the `layer` field), as attributes."""

    def __init__(self, fields):
        self.momentum = float(fields["momentum"])
        self.epsilon = float(fields["epsilon"])
        self.center = bool(fields["center"])
        self.scale = bool(fields["scale"])
        self.trainable = bool(fields["trainable"])
        self.renorm = bool(fields.get("renorm", False))
        self.renorm_momentum = fields.get("renorm_momentum")
        self.renorm_clipping = dict(fields.get("renorm_clipping", {}))

    def __repr__(self):
        return f"Layer({vars(self)})"


class Case:
    """A case, decoded. For a sequence case forward() is called once per step, each time with a Case whose `x`,
    `training` and `step` are that call's, and whose moving (and renorm) statistics are the previous call's outputs
    rounded to the case dtype, as a Keras layer holds them.

    Attributes: id, title, kind ("forward", "backward", "sequence", "invalid"), dtype (the wire dtype name),
    shape (a tuple), axis (an int, or a list for tf.keras' list spelling), layer (a Layer), training, step (the
    call's index in a sequence, else None), inputs (name -> NumPy array: x, gamma, beta, moving_mean,
    moving_variance, dy, mask, renorm statistics; bfloat16 arrives as float32 holding bfloat16 values), raw (the
    case as sent)."""

    def __init__(self, raw, inputs=None, training=None, step=None):
        self.raw = raw
        self.id = raw["id"]
        self.title = raw.get("title", "")
        self.kind = raw["kind"]
        self.dtype = raw["dtype"]
        self.shape = tuple(raw["shape"])
        self.axis = raw["axis"]
        self.layer = Layer(raw["layer"])
        self.training = bool(raw["training"] if training is None else training)
        self.step = step
        self.inputs = inputs if inputs is not None else {n: tensors.decode(t) for n, t in raw["inputs"].items()}

    @property
    def x(self):
        return self.inputs["x"]

    @property
    def dy(self):
        return self.inputs.get("dy")

    @property
    def mask(self):
        return self.inputs.get("mask")

    @property
    def array_dtype(self):
        """The NumPy dtype of the input arrays (float32 for bfloat16)."""
        return tensors.ARRAY_DTYPES[self.dtype]

    @property
    def compute_dtype(self):
        """What Keras computes this dtype in: float64 for float64, float32 for the rest (docs/protocol.md, "Computing")."""
        return np.dtype(np.float64) if self.dtype == "float64" else np.dtype(np.float32)

    def steps(self):
        """A sequence's calls as (training, x) pairs."""
        return [(bool(s["training"]), tensors.decode(s["x"])) for s in self.raw.get("steps", [])]

    def __repr__(self):
        return f"Case({self.id!r})"
