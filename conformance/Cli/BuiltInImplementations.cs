namespace BatchNormAxis.Cli;

/// <summary>The implementations bnaxis carries, by the name given to <c>--impl</c>.</summary>
internal static class BuiltInImplementations
{
    /// <summary>The default: the fastest built-in (the scalar reference until the fast implementation lands).</summary>
    public const string Default = "scalar";

    public static IBatchNormalization Get(string name) => name switch
    {
        "scalar" => ScalarBatchNorm.Instance,
        "fast" => throw new CommandLineValueException("--impl fast is not available yet (the fast implementation is issue 5): expected scalar"),
        _ => throw new CommandLineValueException($"--impl '{name}' is unknown: expected scalar"),
    };
}
