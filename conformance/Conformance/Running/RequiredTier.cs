using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// Which cases a conforming implementation must pass. A case whose capabilities are all required features
/// (training, inference, frozen, sequences, rejections: any rank and keep-set a single integer axis can express) is
/// required of every implementation in float32, and required in float64 of an implementation that declares float64:
/// claiming float64 means computing in float64, so its mistakes (float32 hyperparameters, float64 computed in
/// float32) count. float16, bfloat16, backward, masks, tf.keras list axes (Keras 3 itself has no list axis) and
/// batch renormalization (an opt-in Keras feature since 3.14.0 that other frameworks' batch norms lack) are optional
/// capabilities: a case that needs one is never required, and neither is a float64 case of an implementation that
/// does not declare float64.
/// </summary>
public static class RequiredTier
{
    private static readonly HashSet<string> s_requiredFeatures = ["training", "inference", "frozen", "sequence", "errors"];

    /// <summary>Whether a case is required of every implementation, whatever it declares (the float32 tier).</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <returns>True for a float32 case that needs only required features.</returns>
    public static bool IsRequiredOfEvery(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.DType == FixtureDType.Float32 && NeedsOnlyRequiredFeatures(entry);
    }

    /// <summary>Whether a case is required of an implementation that declares its dtype, and of no other (the float64 tier).</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <returns>True for a float64 case that needs only required features.</returns>
    public static bool IsRequiredWhenDeclared(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.DType == FixtureDType.Float64 && NeedsOnlyRequiredFeatures(entry);
    }

    /// <summary>Whether a case is required of an implementation with these declared capabilities.</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <param name="declared">What the implementation declared in its start reply.</param>
    /// <returns>True for a required case.</returns>
    public static bool IsRequired(ManifestEntry entry, HarnessCapabilities declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return IsRequired(entry, declared.DTypes.Contains(DTypes.Name(FixtureDType.Float64)));
    }

    /// <summary>Whether a case is required of an implementation that does, or does not, declare float64.</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <param name="declaresFloat64">Whether the implementation declares float64.</param>
    /// <returns>True for a required case.</returns>
    public static bool IsRequired(ManifestEntry entry, bool declaresFloat64) =>
        IsRequiredOfEvery(entry) || (declaresFloat64 && IsRequiredWhenDeclared(entry));

    private static bool NeedsOnlyRequiredFeatures(ManifestEntry entry) => entry.Capabilities.All(s_requiredFeatures.Contains);
}
