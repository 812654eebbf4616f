namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// Which cases every conforming implementation must pass: float32, any rank and keep-set a single integer axis
/// can express, training, inference, frozen, sequences and rejections. float64, float16, bfloat16, backward, masks,
/// tf.keras list axes (Keras 3 itself has no list axis) and batch renormalization (an opt-in Keras feature since 3.14.0
/// that other frameworks' batch norms lack) are optional capabilities: a case that needs one is never required.
/// </summary>
public static class RequiredTier
{
    private static readonly HashSet<string> s_requiredFeatures = ["training", "inference", "frozen", "sequence", "errors"];

    /// <summary>Whether a case is required.</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <returns>True for a required case.</returns>
    public static bool IsRequired(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.DType == FixtureDType.Float32 && entry.Capabilities.All(s_requiredFeatures.Contains);
    }
}
