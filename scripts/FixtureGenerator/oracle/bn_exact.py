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
