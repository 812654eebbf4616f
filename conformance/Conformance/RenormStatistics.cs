namespace BatchNormAxis.Conformance;

/// <summary>The per-channel statistics a renormalizing layer carries besides the moving mean and variance.</summary>
public static class RenormStatistics
{
    /// <summary>Keras' weight names, in <c>layer.weights</c> order: inputs of every renorm case, outputs of its forward calls.</summary>
    public static IReadOnlyList<string> Names { get; } = ["moving_stddev", "renorm_mean", "renorm_stddev"];
}
