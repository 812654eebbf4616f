using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>One conformance case, as read from its JSON file.</summary>
public sealed record FixtureCase
{
    /// <summary>The stable id, e.g. <c>keep.r4.k1.train.f32</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What the case asks.</summary>
    public required FixtureKind Kind { get; init; }

    /// <summary>One line saying what the case checks.</summary>
    public required string Title { get; init; }

    /// <summary>The dtype of x, y, dy, dx and the layer's weights.</summary>
    public required FixtureDType DType { get; init; }

    /// <summary>The input shape.</summary>
    public required ImmutableArray<int> Shape { get; init; }

    /// <summary>The axis as spelled.</summary>
    public required AxisSpec Axis { get; init; }

    /// <summary>The resolved kept axes; empty for a case whose axis is invalid.</summary>
    public required ImmutableArray<int> KeptAxes { get; init; }

    /// <summary>The layer's hyperparameters.</summary>
    public required BatchNormOptions Options { get; init; }

    /// <summary>The <c>training</c> argument of the call (the first call for a sequence).</summary>
    public required bool Training { get; init; }

    /// <summary>Capabilities an implementation needs for this case (e.g. <c>training</c>, <c>backward</c>, <c>mask</c>).</summary>
    public required ImmutableArray<string> Capabilities { get; init; }

    /// <summary>Inputs by name: <c>x</c>, <c>dy</c>, <c>gamma</c>, <c>beta</c>, <c>moving_mean</c>, <c>moving_variance</c>, <c>mask</c>, and for a renorm layer <c>moving_stddev</c>, <c>renorm_mean</c>, <c>renorm_stddev</c>.</summary>
    public required ImmutableSortedDictionary<string, FixtureTensor> Inputs { get; init; }

    /// <summary>Expected outputs by name, for forward and backward cases.</summary>
    public ImmutableSortedDictionary<string, ExpectedTensor> Expected { get; init; } = ImmutableSortedDictionary<string, ExpectedTensor>.Empty;

    /// <summary>The calls of a sequence case, in order.</summary>
    public ImmutableArray<FixtureStep> Steps { get; init; } = [];

    /// <summary>For an invalid case, the error category a conforming implementation reports (snake_case, e.g. <c>axis_out_of_range</c>).</summary>
    public string? ExpectedError { get; init; }

    /// <summary><c>training</c> (batch statistics), <c>frozen</c> (a training call on a non-trainable layer) or <c>inference</c>.</summary>
    public string Mode => FixtureModes.Of(Training, Options.Trainable);
}

/// <summary>Names of the modes a call runs in.</summary>
public static class FixtureModes
{
    /// <summary>The mode of a call: <c>training</c>, <c>frozen</c> or <c>inference</c>.</summary>
    /// <param name="training">The <c>training</c> argument.</param>
    /// <param name="trainable">The layer's <c>trainable</c>.</param>
    /// <returns>The mode name.</returns>
    public static string Of(bool training, bool trainable) => training ? (trainable ? "training" : "frozen") : "inference";
}
