namespace BatchNormAxis.Cli;

/// <summary>The implementations bnaxis carries, by the name given to <c>--impl</c>.</summary>
internal static class BuiltInImplementations
{
    /// <summary>The default: the fastest built-in.</summary>
    public const string Default = "fast";

    public static IBatchNormalization Get(string name) => name switch
    {
        "scalar" => ScalarBatchNorm.Instance,
        "fast" => FastBatchNorm.Instance,
        _ => throw new CommandLineValueException($"--impl '{name}' is unknown: expected fast or scalar"),
    };
}
