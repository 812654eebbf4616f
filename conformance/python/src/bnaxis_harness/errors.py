"""What a case can end in besides outputs (docs/protocol.md, "run reply"), raised from forward() or backward(), and
the checks of the "Invalid cases" section, in the order the reference applies them."""

#: The rejection categories, in the order they are checked: when several apply, the first wins.
CATEGORIES = ("rank_zero", "empty_axis_list", "axis_out_of_range", "duplicate_axis", "parameter_shape_mismatch",
              "mask_shape_mismatch")

#: The weights a case may carry, each checked against the parameter shapes.
PARAMETERS = ("gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev")


class Rejection(Exception):
    """Invalid input, refused: answered as {"rejected": {"category", "message"}}."""

    def __init__(self, category, message=""):
        if category not in CATEGORIES:
            raise ValueError(f"rejection category {category!r}: expected one of {', '.join(CATEGORIES)}")
        super().__init__(message or category)
        self.category = category


class Unsupported(Exception):
    """A capability this implementation lacks: answered as {"unsupported": {"capability", "message"}}."""

    def __init__(self, capability, message=""):
        super().__init__(message or f"{capability} is not supported")
        self.capability = capability


class Skip(Exception):
    """A case this implementation chooses not to run (a known bug): answered as {"skipped": {...}}."""

    def __init__(self, message="", issue_url=None):
        super().__init__(message)
        self.issue_url = issue_url


def kept_axes(shape, axis):
    """The axes a Keras `axis` keeps, ascending; raises Rejection for rank 0, an empty list, an entry out of
    [-rank, rank) (every entry is checked for range before duplicates are looked for), or a repeated axis."""
    rank = len(shape)
    if rank == 0:
        raise Rejection("rank_zero", "the input has rank 0: no axis to keep")
    spelled = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not spelled:
        raise Rejection("empty_axis_list", "axis=[] keeps no axis")
    for a in spelled:
        if not -rank <= a < rank:
            raise Rejection("axis_out_of_range", f"axis {a} is outside [{-rank}, {rank}) for input shape {list(shape)}")
    resolved = [a % rank for a in spelled]
    if len(set(resolved)) != len(resolved):
        raise Rejection("duplicate_axis", f"axis={axis} names an axis twice: {resolved}")
    return sorted(resolved)


def check_shapes(shape, kept, inputs):
    """Raises Rejection for a weight whose shape is neither the compact nor the broadcast parameter shape, then
    for a mask whose shape is not the input's without its last axis."""
    compact = [shape[a] for a in kept]
    broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]
    for name in PARAMETERS:
        if name in inputs and list(inputs[name].shape) not in (compact, broadcast):
            raise Rejection("parameter_shape_mismatch",
                            f"{name} has shape {list(inputs[name].shape)}: expected {compact} or {broadcast}")
    if "mask" in inputs and list(inputs["mask"].shape) != list(shape[:-1]):
        raise Rejection("mask_shape_mismatch",
                        f"mask has shape {list(inputs['mask'].shape)}: expected {list(shape[:-1])}")
