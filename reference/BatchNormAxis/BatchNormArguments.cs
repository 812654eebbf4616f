namespace BatchNormAxis;

/// <summary>
/// Argument checks shared by every implementation, so the plain and the fast one reject exactly the same
/// inputs with exactly the same messages. Every check runs before anything is written.
/// </summary>
internal static class BatchNormArguments
{
    public static void ValidateForward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask)
    {
        ValidateCommon(layout, options, x, weights);
        RequireMaskLength(layout, mask.Length);
        RequireElementCount(layout, "y", destinations.Y.Length);
        RequireChannelCount(layout, "moving_mean destination", destinations.MovingMean.Length);
        RequireChannelCount(layout, "moving_variance destination", destinations.MovingVariance.Length);
        RequireChannelCountOrEmpty(layout, "mean destination", destinations.Mean.Length);
        RequireChannelCountOrEmpty(layout, "variance destination", destinations.Variance.Length);
        RequireRenormStatistic(layout, options, "moving_stddev destination", destinations.MovingStddev.Length);
        RequireRenormStatistic(layout, options, "renorm_mean destination", destinations.RenormMean.Length);
        RequireRenormStatistic(layout, options, "renorm_stddev destination", destinations.RenormStddev.Length);

        // y may replace x, and each new moving statistic its old value, in place; nothing else may overlap.
        Span<T> y = destinations.Y;
        RequireSeparate(y, "y", x, "x", mayBeSameMemory: true);
        RequireSeparateFromWeights(y, "y", weights, sameMemoryAllowedFor: null);

        Span<T> movingMean = destinations.MovingMean;
        RequireSeparate(movingMean, "moving_mean destination", x, "x");
        RequireSeparateFromWeights(movingMean, "moving_mean destination", weights, sameMemoryAllowedFor: "moving_mean");
        RequireSeparate(movingMean, "moving_mean destination", y, "y");

        Span<T> movingVariance = destinations.MovingVariance;
        RequireSeparate(movingVariance, "moving_variance destination", x, "x");
        RequireSeparateFromWeights(movingVariance, "moving_variance destination", weights, sameMemoryAllowedFor: "moving_variance");
        RequireSeparate(movingVariance, "moving_variance destination", y, "y");
        RequireSeparate(movingVariance, "moving_variance destination", movingMean, "moving_mean destination");

        Span<T> mean = destinations.Mean;
        RequireSeparate(mean, "mean destination", x, "x");
        RequireSeparateFromWeights(mean, "mean destination", weights, sameMemoryAllowedFor: null);
        RequireSeparate(mean, "mean destination", y, "y");
        RequireSeparate(mean, "mean destination", movingMean, "moving_mean destination");
        RequireSeparate(mean, "mean destination", movingVariance, "moving_variance destination");

        Span<T> variance = destinations.Variance;
        RequireSeparate(variance, "variance destination", x, "x");
        RequireSeparateFromWeights(variance, "variance destination", weights, sameMemoryAllowedFor: null);
        RequireSeparate(variance, "variance destination", y, "y");
        RequireSeparate(variance, "variance destination", movingMean, "moving_mean destination");
        RequireSeparate(variance, "variance destination", movingVariance, "moving_variance destination");
        RequireSeparate(variance, "variance destination", mean, "mean destination");

        // The renorm statistics follow the moving statistics' rule: each may replace its own old value in place.
        RequireSeparateRenormDestination(destinations.MovingStddev, "moving_stddev", x, weights, destinations);
        RequireSeparateRenormDestination(destinations.RenormMean, "renorm_mean", x, weights, destinations);
        RequireSeparateRenormDestination(destinations.RenormStddev, "renorm_stddev", x, weights, destinations);
        RequireSeparate(destinations.RenormMean, "renorm_mean destination", destinations.MovingStddev, "moving_stddev destination");
        RequireSeparate(destinations.RenormStddev, "renorm_stddev destination", destinations.MovingStddev, "moving_stddev destination");
        RequireSeparate(destinations.RenormStddev, "renorm_stddev destination", destinations.RenormMean, "renorm_mean destination");
    }

    /// <summary>
    /// A renorm statistic's destination against everything but the other renorm destinations: it may be exactly
    /// its own old value, and must be separate from x, the other weights and the other destinations.
    /// </summary>
    private static void RequireSeparateRenormDestination<T>(Span<T> destination, string statistic, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations)
    {
        string name = $"{statistic} destination";
        RequireSeparate(destination, name, x, "x");
        RequireSeparateFromWeights(destination, name, weights, sameMemoryAllowedFor: statistic);
        RequireSeparate(destination, name, destinations.Y, "y");
        RequireSeparate(destination, name, destinations.MovingMean, "moving_mean destination");
        RequireSeparate(destination, name, destinations.MovingVariance, "moving_variance destination");
        RequireSeparate(destination, name, destinations.Mean, "mean destination");
        RequireSeparate(destination, name, destinations.Variance, "variance destination");
    }

    public static void ValidateBackward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
    {
        ValidateCommon(layout, options, x, weights);
        RequireElementCount(layout, "dy", dy.Length);
        RequireElementCount(layout, "dx", destinations.Dx.Length);
        RequireParameter(layout, "dgamma", destinations.Dgamma.Length, options.Scale, "scale");
        RequireParameter(layout, "dbeta", destinations.Dbeta.Length, options.Center, "center");

        // dx may replace dy in place; nothing else may overlap.
        Span<T> dx = destinations.Dx;
        RequireSeparate(dx, "dx", dy, "dy", mayBeSameMemory: true);
        RequireSeparate(dx, "dx", x, "x");
        RequireSeparateFromWeights(dx, "dx", weights, sameMemoryAllowedFor: null);

        Span<T> dgamma = destinations.Dgamma;
        RequireSeparate(dgamma, "dgamma", x, "x");
        RequireSeparate(dgamma, "dgamma", dy, "dy");
        RequireSeparateFromWeights(dgamma, "dgamma", weights, sameMemoryAllowedFor: null);
        RequireSeparate(dgamma, "dgamma", dx, "dx");

        Span<T> dbeta = destinations.Dbeta;
        RequireSeparate(dbeta, "dbeta", x, "x");
        RequireSeparate(dbeta, "dbeta", dy, "dy");
        RequireSeparateFromWeights(dbeta, "dbeta", weights, sameMemoryAllowedFor: null);
        RequireSeparate(dbeta, "dbeta", dx, "dx");
        RequireSeparate(dbeta, "dbeta", dgamma, "dgamma");
    }

    private static void ValidateCommon<T>(AxisResolution layout, BatchNormOptions options, ReadOnlySpan<T> x, BatchNormWeights<T> weights)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireElementCount(layout, "x", x.Length);
        RequireParameter(layout, "gamma", weights.Gamma.Length, options.Scale, "scale");
        RequireParameter(layout, "beta", weights.Beta.Length, options.Center, "center");
        RequireChannelCount(layout, "moving_mean", weights.MovingMean.Length);
        RequireChannelCount(layout, "moving_variance", weights.MovingVariance.Length);
        RequireRenormStatistic(layout, options, "moving_stddev", weights.MovingStddev.Length);
        RequireRenormStatistic(layout, options, "renorm_mean", weights.RenormMean.Length);
        RequireRenormStatistic(layout, options, "renorm_stddev", weights.RenormStddev.Length);
    }

    private static void RequireElementCount(AxisResolution layout, string name, int length)
    {
        if (length != layout.ElementCount)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.BufferLengthMismatch,
                $"{name} has {length} elements but {layout.Context}: expected {layout.ElementCount}, one per input element");
        }
    }

    /// <summary>A mask holds one flag per position of the input without its last axis, or nothing.</summary>
    private static void RequireMaskLength(AxisResolution layout, int length)
    {
        int positions = layout.ElementCount / layout.Shape[^1];
        if (length != 0 && length != positions)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.MaskShapeMismatch,
                $"mask has {length} elements but {layout.Context}: expected {positions}, one per position of shape {ShapeText.Tuple(layout.Shape.AsSpan(0, layout.Rank - 1))} (the input without its last axis), or none");
        }
    }

    private static void RequireChannelCount(AxisResolution layout, string name, int length)
    {
        if (length != layout.ChannelCount)
        {
            throw ParameterLengthMismatch(layout, name, length);
        }
    }

    private static void RequireChannelCountOrEmpty(AxisResolution layout, string name, int length)
    {
        if (length != 0)
        {
            RequireChannelCount(layout, name, length);
        }
    }

    /// <summary>gamma/beta and their gradients: one per channel when the layer has them, absent when it does not.</summary>
    private static void RequireParameter(AxisResolution layout, string name, int length, bool present, string switchName)
    {
        if (present)
        {
            RequireChannelCount(layout, name, length);
        }
        else if (length != 0)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.ParameterShapeMismatch,
                $"{name} has {length} elements but {switchName}=false, so the layer has no {name}: expected it empty");
        }
    }

    /// <summary>The renorm statistics and their destinations: one per channel with renorm, absent without it.</summary>
    private static void RequireRenormStatistic(AxisResolution layout, BatchNormOptions options, string name, int length)
    {
        if (options.Renorm is not null)
        {
            RequireChannelCount(layout, name, length);
        }
        else if (length != 0)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.ParameterShapeMismatch,
                $"{name} has {length} elements but renorm is off, so the layer has no {name.Replace(" destination", "", StringComparison.Ordinal)}: expected it empty");
        }
    }

    private static BatchNormArgumentException ParameterLengthMismatch(AxisResolution layout, string name, int length) =>
        new(
            BatchNormErrorCategory.ParameterShapeMismatch,
            $"{name} has {length} elements but {layout.Context}: expected {layout.ChannelCount}, one per channel (parameter shape {ShapeText.Tuple(layout.ParameterShape.AsSpan())})");

    private static void RequireSeparateFromWeights<T>(ReadOnlySpan<T> destination, string destinationName, BatchNormWeights<T> weights, string? sameMemoryAllowedFor)
    {
        RequireSeparate(destination, destinationName, weights.Gamma, "gamma");
        RequireSeparate(destination, destinationName, weights.Beta, "beta");
        RequireSeparate(destination, destinationName, weights.MovingMean, "moving_mean", sameMemoryAllowedFor == "moving_mean");
        RequireSeparate(destination, destinationName, weights.MovingVariance, "moving_variance", sameMemoryAllowedFor == "moving_variance");
        RequireSeparate(destination, destinationName, weights.MovingStddev, "moving_stddev", sameMemoryAllowedFor == "moving_stddev");
        RequireSeparate(destination, destinationName, weights.RenormMean, "renorm_mean", sameMemoryAllowedFor == "renorm_mean");
        RequireSeparate(destination, destinationName, weights.RenormStddev, "renorm_stddev", sameMemoryAllowedFor == "renorm_stddev");
    }

    private static void RequireSeparate<T>(ReadOnlySpan<T> destination, string destinationName, ReadOnlySpan<T> other, string otherName, bool mayBeSameMemory = false)
    {
        if (!destination.Overlaps(other, out int elementOffset))
        {
            return;
        }

        if (mayBeSameMemory && elementOffset == 0 && destination.Length == other.Length)
        {
            return;
        }

        // Overlaps reports where `other` starts relative to `destination`; say it from the other side.
        int destinationStart = -elementOffset;
        string where = destinationStart switch
        {
            0 => $"starting where {otherName} starts",
            > 0 => $"starting {destinationStart} elements after {otherName} starts",
            _ => $"starting {-destinationStart} elements before {otherName} starts",
        };
        string allowed = mayBeSameMemory ? $"expected exactly {otherName} (in place) or separate memory" : "expected separate memory";
        throw new BatchNormArgumentException(
            BatchNormErrorCategory.OverlappingBuffers,
            $"{destinationName} overlaps {otherName}, {where}: {allowed}");
    }
}
