"""Oracle A: Keras BatchNormalization(axis=...) in NumPy float64, straight from the semantics.

Called from the C# fixture generator through pythonnet. Every input arrives as a flat float64 array holding
exactly the values stored in the fixture (already rounded to the case's dtype); every result goes back as a
flat float64 array, unrounded. Rounding to the case's dtype happens once, in C#.

Why float64 with two passes: float64 reductions are layout-independent in NumPy (float32 ones are not), and
the two-pass variance never goes negative. The data is first arranged as (elements per channel, channels),
C-contiguous, so every reduction runs along axis 0 in the same order on every machine.
"""

import numpy as np

# Keras 3 adds backend.epsilon() to the denominators of masked (weighted) moments.
MASK_DENOMINATOR_EPSILON = 1e-7


def _to_rows(flat, shape, kept_axes):
    """Move the kept axes last and flatten: (elements per channel, channels), C-contiguous."""
    reduced = [a for a in range(len(shape)) if a not in kept_axes]
    order = reduced + list(kept_axes)
    channels = int(np.prod([shape[a] for a in kept_axes]))
    rows = np.ascontiguousarray(np.transpose(np.asarray(flat, dtype=np.float64).reshape(shape), order))
    return rows.reshape(-1, channels), order


def _from_rows(rows, shape, order):
    """Undo _to_rows: back to the input's row-major layout, flat."""
    permuted_shape = [shape[a] for a in order]
    inverse = np.argsort(order)
    return np.ascontiguousarray(np.transpose(rows.reshape(permuted_shape), inverse)).reshape(-1)


def _mask_rows(mask, shape, kept_axes):
    """A Keras 3 mask has the input's shape without its last axis; it applies to every feature of a position."""
    full = np.broadcast_to(np.asarray(mask, dtype=np.float64).reshape(tuple(shape[:-1]) + (1,)), tuple(shape))
    rows, _ = _to_rows(full.reshape(-1), shape, kept_axes)
    return rows


def batch_statistics(x, shape, kept_axes, mask=None):
    """Batch mean and biased batch variance per channel, two-pass; weighted by the mask as Keras 3 does."""
    rows, _ = _to_rows(x, shape, kept_axes)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as intended
        return _moments(rows, shape, kept_axes, mask)


def _moments(rows, shape, kept_axes, mask):
    if mask is None:
        mean = rows.sum(axis=0) / rows.shape[0]
        variance = ((rows - mean) ** 2).sum(axis=0) / rows.shape[0]
    else:
        weights = _mask_rows(mask, shape, kept_axes)
        denominator = weights.sum(axis=0) + MASK_DENOMINATOR_EPSILON
        mean = (weights * rows).sum(axis=0) / denominator
        variance = (weights * (rows - mean) ** 2).sum(axis=0) / denominator
    return mean, variance


def forward(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, momentum, epsilon,
            use_batch_statistics, mask=None):
    """One layer call. Returns y, the statistics used, and the moving statistics after the call."""
    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    gamma, beta = np.asarray(gamma, np.float64), np.asarray(beta, np.float64)
    moving_mean, moving_variance = np.asarray(moving_mean, np.float64), np.asarray(moving_variance, np.float64)
    rows, order = _to_rows(x, shape, kept_axes)

    if use_batch_statistics:
        mean, variance = batch_statistics(x, shape, kept_axes, mask)
        new_moving_mean = moving_mean * momentum + mean * (1.0 - momentum)
        new_moving_variance = moving_variance * momentum + variance * (1.0 - momentum)
    else:
        mean, variance = moving_mean, moving_variance
        new_moving_mean, new_moving_variance = moving_mean.copy(), moving_variance.copy()

    with np.errstate(divide="ignore", invalid="ignore"):
        y_rows = gamma * ((rows - mean) / np.sqrt(variance + epsilon)) + beta
    return {
        "y": _from_rows(y_rows, shape, order),
        "mean": mean,
        "variance": variance,
        "moving_mean": new_moving_mean,
        "moving_variance": new_moving_variance,
    }


def backward(x, dy, shape, kept_axes, gamma, moving_mean, moving_variance, epsilon, use_batch_statistics):
    """Gradients of L = sum(dy * y) with respect to x, gamma and beta."""
    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    gamma = np.asarray(gamma, np.float64)
    rows, order = _to_rows(x, shape, kept_axes)
    dy_rows, _ = _to_rows(dy, shape, kept_axes)
    count = rows.shape[0]

    if use_batch_statistics:
        mean, variance = batch_statistics(x, shape, kept_axes)
    else:
        mean, variance = np.asarray(moving_mean, np.float64), np.asarray(moving_variance, np.float64)

    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = np.sqrt(variance + epsilon)
        normalized = (rows - mean) / deviation
        dbeta = dy_rows.sum(axis=0)
        dgamma = (dy_rows * normalized).sum(axis=0)
        if use_batch_statistics:
            dx_rows = (gamma / deviation) * (dy_rows - dbeta / count - normalized * (dgamma / count))
        else:
            dx_rows = (gamma / deviation) * dy_rows
    return {
        "dx": _from_rows(dx_rows, shape, order),
        "dgamma": dgamma,
        "dbeta": dbeta,
        "mean": mean,
        "variance": variance,
    }


def _corrections(mean, stddev, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax):
    """r and d from the renorm statistics from before the call; the floor avoids dividing by ~0 early in training."""
    sigma = np.maximum(renorm_stddev, np.sqrt(epsilon))
    r = stddev / sigma
    d = (mean - renorm_mean) / sigma
    if rmin is not None:
        r = np.maximum(r, rmin)
    if rmax is not None:
        r = np.minimum(r, rmax)
    if dmax is not None:
        d = np.clip(d, -dmax, dmax)
    return r, d


def forward_renorm(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, moving_stddev, renorm_mean,
                   renorm_stddev, momentum, renorm_momentum, epsilon, rmin, rmax, dmax, use_batch_statistics,
                   mask=None):
    """One call of a layer with batch renormalization (Keras renorm=True).

    Training on a trainable layer: r and d from the batch statistics and the renorm statistics from BEFORE the
    call, y = xhat * (r * gamma) + (d * gamma + beta), then the five statistic updates. Otherwise exactly the
    call without renorm, every statistic copied. Also returns r and d (for the tolerance model).
    """
    moving_stddev = np.asarray(moving_stddev, np.float64)
    renorm_mean, renorm_stddev = np.asarray(renorm_mean, np.float64), np.asarray(renorm_stddev, np.float64)
    if not use_batch_statistics:
        result = forward(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, momentum, epsilon, False, mask)
        result.update({
            "moving_stddev": moving_stddev.copy(),
            "renorm_mean": renorm_mean.copy(),
            "renorm_stddev": renorm_stddev.copy(),
            "r": np.ones_like(renorm_mean),
            "d": np.zeros_like(renorm_mean),
        })
        return result

    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    gamma, beta = np.asarray(gamma, np.float64), np.asarray(beta, np.float64)
    moving_mean = np.asarray(moving_mean, np.float64)
    rows, order = _to_rows(x, shape, kept_axes)
    mean, variance = batch_statistics(x, shape, kept_axes, mask)
    stddev = np.sqrt(variance + epsilon)
    r, d = _corrections(mean, stddev, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax)

    y_rows = ((rows - mean) / stddev) * (r * gamma) + (d * gamma + beta)
    new_moving_stddev = moving_stddev * momentum + stddev * (1.0 - momentum)
    return {
        "y": _from_rows(y_rows, shape, order),
        "mean": mean,
        "variance": variance,
        "moving_mean": moving_mean * momentum + mean * (1.0 - momentum),
        "moving_stddev": new_moving_stddev,
        # Keras derives the moving variance from the tracked stddev; relu in case rounding makes it negative.
        "moving_variance": np.maximum(new_moving_stddev * new_moving_stddev - epsilon, 0.0),
        "renorm_mean": renorm_mean * renorm_momentum + mean * (1.0 - renorm_momentum),
        "renorm_stddev": renorm_stddev * renorm_momentum + stddev * (1.0 - renorm_momentum),
        "r": r,
        "d": d,
    }


def backward_renorm(x, dy, shape, kept_axes, gamma, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax):
    """Gradients of L = sum(dy * y) in a renorm training call: r and d are constants (Keras' stop_gradient)."""
    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    gamma = np.asarray(gamma, np.float64)
    renorm_mean, renorm_stddev = np.asarray(renorm_mean, np.float64), np.asarray(renorm_stddev, np.float64)
    rows, order = _to_rows(x, shape, kept_axes)
    dy_rows, _ = _to_rows(dy, shape, kept_axes)
    count = rows.shape[0]
    mean, variance = batch_statistics(x, shape, kept_axes)
    stddev = np.sqrt(variance + epsilon)
    r, d = _corrections(mean, stddev, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax)

    normalized = (rows - mean) / stddev
    dbeta = dy_rows.sum(axis=0)
    # y = xhat * (r * gamma) + (d * gamma + beta): gamma's gradient collects r * xhat + d.
    dgamma = (dy_rows * (r * normalized + d)).sum(axis=0)
    dxhat_sum = (dy_rows * normalized).sum(axis=0)
    dx_rows = (r * gamma / stddev) * (dy_rows - dbeta / count - normalized * (dxhat_sum / count))
    return {
        "dx": _from_rows(dx_rows, shape, order),
        "dgamma": dgamma,
        "dbeta": dbeta,
        "mean": mean,
        "variance": variance,
        "r": r,
        "d": d,
    }


def versions():
    import sys
    return {"numpy": np.__version__, "python": sys.version.split()[0]}
