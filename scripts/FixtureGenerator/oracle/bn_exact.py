"""Oracle B: the same quantities as bn_oracle.py in 60-digit decimal arithmetic, in plain Python.

It shares no code with oracle A and uses no NumPy: every float is converted to Decimal exactly, every sum is
exact to 60 digits, and the square root is Decimal's correctly rounded one. The generator refuses to write a
case where A and B differ by more than A's float64 error bound.
"""

from decimal import Decimal, Context, InvalidOperation, DivisionByZero, localcontext

PRECISION = 60
MASK_DENOMINATOR_EPSILON = Decimal(1e-7)


def _context():
    context = Context(prec=PRECISION)
    # IEEE-style results instead of exceptions: inf - inf is NaN, x / 0 is +-inf, 0 / 0 is NaN.
    context.traps[InvalidOperation] = False
    context.traps[DivisionByZero] = False
    return context


def _channel_of_each_element(shape, kept_axes):
    """Row-major element order; the channel is the row-major position of the kept coordinates."""
    count = 1
    for d in shape:
        count *= d
    channels = []
    index = [0] * len(shape)
    for _ in range(count):
        channel = 0
        for a in kept_axes:
            channel = channel * shape[a] + index[a]
        channels.append(channel)
        for a in reversed(range(len(shape))):
            index[a] += 1
            if index[a] < shape[a]:
                break
            index[a] = 0
    return channels


def _decimals(values):
    return [Decimal(float(v)) for v in values]


def _statistics(x, channel_of, channels, weights=None):
    if weights is None:
        weights = [Decimal(1)] * len(x)
        epsilon = Decimal(0)
    else:
        epsilon = MASK_DENOMINATOR_EPSILON
    total = [Decimal(0)] * channels
    weight_sum = [Decimal(0)] * channels
    for value, weight, c in zip(x, weights, channel_of):
        if weight != 0:
            total[c] += weight * value
        weight_sum[c] += weight
    mean = [total[c] / (weight_sum[c] + epsilon) for c in range(channels)]
    squares = [Decimal(0)] * channels
    for value, weight, c in zip(x, weights, channel_of):
        if weight != 0:
            squares[c] += weight * (value - mean[c]) * (value - mean[c])
    variance = [squares[c] / (weight_sum[c] + epsilon) for c in range(channels)]
    return mean, variance


def _mask_weights(mask, shape):
    last = shape[-1]
    return [Decimal(int(mask[i // last] != 0)) for i in range(len(mask) * last)]


def forward(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, momentum, epsilon,
            use_batch_statistics, mask=None):
    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    with localcontext(_context()):
        x, gamma, beta = _decimals(x), _decimals(gamma), _decimals(beta)
        moving_mean, moving_variance = _decimals(moving_mean), _decimals(moving_variance)
        momentum, epsilon = Decimal(float(momentum)), Decimal(float(epsilon))
        channel_of = _channel_of_each_element(shape, kept_axes)
        channels = len(gamma)
        if use_batch_statistics:
            weights = None if mask is None else _mask_weights(list(mask), shape)
            mean, variance = _statistics(x, channel_of, channels, weights)
            new_mean = [moving_mean[c] * momentum + mean[c] * (1 - momentum) for c in range(channels)]
            new_variance = [moving_variance[c] * momentum + variance[c] * (1 - momentum) for c in range(channels)]
        else:
            mean, variance = moving_mean, moving_variance
            new_mean, new_variance = list(moving_mean), list(moving_variance)
        deviation = [(variance[c] + epsilon).sqrt() for c in range(channels)]
        y = [gamma[c] * ((value - mean[c]) / deviation[c]) + beta[c] for value, c in zip(x, channel_of)]
        return {
            "y": [float(v) for v in y],
            "mean": [float(v) for v in mean],
            "variance": [float(v) for v in variance],
            "moving_mean": [float(v) for v in new_mean],
            "moving_variance": [float(v) for v in new_variance],
        }


def backward(x, dy, shape, kept_axes, gamma, moving_mean, moving_variance, epsilon, use_batch_statistics):
    shape = [int(d) for d in shape]
    kept_axes = [int(a) for a in kept_axes]
    with localcontext(_context()):
        x, dy, gamma = _decimals(x), _decimals(dy), _decimals(gamma)
        epsilon = Decimal(float(epsilon))
        channel_of = _channel_of_each_element(shape, kept_axes)
        channels = len(gamma)
        count = Decimal(len(x) // channels)
        if use_batch_statistics:
            mean, variance = _statistics(x, channel_of, channels)
        else:
            mean, variance = _decimals(moving_mean), _decimals(moving_variance)
        deviation = [(variance[c] + epsilon).sqrt() for c in range(channels)]
        normalized = [(value - mean[c]) / deviation[c] for value, c in zip(x, channel_of)]
        dbeta = [Decimal(0)] * channels
        dgamma = [Decimal(0)] * channels
        for g, n, c in zip(dy, normalized, channel_of):
            dbeta[c] += g
            dgamma[c] += g * n
        if use_batch_statistics:
            dx = [gamma[c] / deviation[c] * (g - dbeta[c] / count - n * (dgamma[c] / count))
                  for g, n, c in zip(dy, normalized, channel_of)]
        else:
            dx = [gamma[c] / deviation[c] * g for g, c in zip(dy, channel_of)]
        return {
            "dx": [float(v) for v in dx],
            "dgamma": [float(v) for v in dgamma],
            "dbeta": [float(v) for v in dbeta],
            "mean": [float(v) for v in mean],
            "variance": [float(v) for v in variance],
        }


def _clip(value, low, high):
    """Keras' order: maximum with rmin, then minimum with rmax (or clip to [-dmax, dmax])."""
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _optional(value):
    return None if value is None else Decimal(float(value))


def _corrections(mean, variance, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax, channels):
    """r and d per channel, from the renorm statistics as they were before the call."""
    root_epsilon = epsilon.sqrt()
    r, d = [], []
    for c in range(channels):
        stddev = (variance[c] + epsilon).sqrt()
        sigma = renorm_stddev[c] if renorm_stddev[c] > root_epsilon else root_epsilon
        r.append(_clip(stddev / sigma, rmin, rmax))
        d.append(_clip((mean[c] - renorm_mean[c]) / sigma, None if dmax is None else -dmax, dmax))
    return r, d


def forward_renorm(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, moving_stddev, renorm_mean,
                   renorm_stddev, momentum, renorm_momentum, epsilon, rmin, rmax, dmax, use_batch_statistics,
                   mask=None):
    channels = len(gamma)
    if not use_batch_statistics:
        result = forward(x, shape, kept_axes, gamma, beta, moving_mean, moving_variance, momentum, epsilon, False, mask)
        result.update({
            "moving_stddev": [float(v) for v in moving_stddev],
            "renorm_mean": [float(v) for v in renorm_mean],
            "renorm_stddev": [float(v) for v in renorm_stddev],
            "r": [1.0] * channels,
            "d": [0.0] * channels,
        })
        return result

    shape = [int(s) for s in shape]
    kept_axes = [int(a) for a in kept_axes]
    with localcontext(_context()):
        x, gamma, beta = _decimals(x), _decimals(gamma), _decimals(beta)
        moving_mean, moving_stddev = _decimals(moving_mean), _decimals(moving_stddev)
        renorm_mean, renorm_stddev = _decimals(renorm_mean), _decimals(renorm_stddev)
        momentum, renorm_momentum = Decimal(float(momentum)), Decimal(float(renorm_momentum))
        epsilon = Decimal(float(epsilon))
        rmin, rmax, dmax = _optional(rmin), _optional(rmax), _optional(dmax)
        channel_of = _channel_of_each_element(shape, kept_axes)
        weights = None if mask is None else _mask_weights(list(mask), shape)
        mean, variance = _statistics(x, channel_of, channels, weights)
        r, d = _corrections(mean, variance, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax, channels)
        stddev = [(variance[c] + epsilon).sqrt() for c in range(channels)]
        # (xhat * r + d) * gamma + beta, the paper's form; Keras folds it, the value is the same.
        y = [((value - mean[c]) / stddev[c] * r[c] + d[c]) * gamma[c] + beta[c] for value, c in zip(x, channel_of)]
        new_moving_stddev = [moving_stddev[c] * momentum + stddev[c] * (1 - momentum) for c in range(channels)]
        moving_variance = [new_moving_stddev[c] * new_moving_stddev[c] - epsilon for c in range(channels)]
        return {
            "y": [float(v) for v in y],
            "mean": [float(v) for v in mean],
            "variance": [float(v) for v in variance],
            "moving_mean": [float(moving_mean[c] * momentum + mean[c] * (1 - momentum)) for c in range(channels)],
            "moving_stddev": [float(v) for v in new_moving_stddev],
            "moving_variance": [float(v) if v > 0 else 0.0 for v in moving_variance],
            "renorm_mean": [float(renorm_mean[c] * renorm_momentum + mean[c] * (1 - renorm_momentum)) for c in range(channels)],
            "renorm_stddev": [float(renorm_stddev[c] * renorm_momentum + stddev[c] * (1 - renorm_momentum)) for c in range(channels)],
            "r": [float(v) for v in r],
            "d": [float(v) for v in d],
        }


def backward_renorm(x, dy, shape, kept_axes, gamma, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax):
    shape = [int(s) for s in shape]
    kept_axes = [int(a) for a in kept_axes]
    with localcontext(_context()):
        x, dy, gamma = _decimals(x), _decimals(dy), _decimals(gamma)
        renorm_mean, renorm_stddev = _decimals(renorm_mean), _decimals(renorm_stddev)
        epsilon = Decimal(float(epsilon))
        rmin, rmax, dmax = _optional(rmin), _optional(rmax), _optional(dmax)
        channel_of = _channel_of_each_element(shape, kept_axes)
        channels = len(gamma)
        count = Decimal(len(x) // channels)
        mean, variance = _statistics(x, channel_of, channels)
        r, d = _corrections(mean, variance, renorm_mean, renorm_stddev, epsilon, rmin, rmax, dmax, channels)
        stddev = [(variance[c] + epsilon).sqrt() for c in range(channels)]
        normalized = [(value - mean[c]) / stddev[c] for value, c in zip(x, channel_of)]
        # dL/dxhat = dy * r * gamma with r, d constant; then the usual batch-statistics chain rule through xhat.
        dxhat = [g * r[c] * gamma[c] for g, c in zip(dy, channel_of)]
        sum_dxhat = [Decimal(0)] * channels
        sum_dxhat_xhat = [Decimal(0)] * channels
        dgamma = [Decimal(0)] * channels
        dbeta = [Decimal(0)] * channels
        for g, h, n, c in zip(dy, dxhat, normalized, channel_of):
            sum_dxhat[c] += h
            sum_dxhat_xhat[c] += h * n
            dgamma[c] += g * (n * r[c] + d[c])
            dbeta[c] += g
        dx = [(h - sum_dxhat[c] / count - n * sum_dxhat_xhat[c] / count) / stddev[c]
              for h, n, c in zip(dxhat, normalized, channel_of)]
        return {
            "dx": [float(v) for v in dx],
            "dgamma": [float(v) for v in dgamma],
            "dbeta": [float(v) for v in dbeta],
            "mean": [float(v) for v in mean],
            "variance": [float(v) for v in variance],
            "r": [float(v) for v in r],
            "d": [float(v) for v in d],
        }
