namespace BatchNormAxis.Cli;

/// <summary>The implementations bnaxis carries, by the name given to <c>--impl</c>.</summary>
internal static class BuiltInImplementations
{
    /// <summary>The default: the fastest built-in.</summary>
    public const string Default = "fast";

    /// <summary>An implementation by name, on every processor (the fast one; results do not depend on it).</summary>
    public static IBatchNormalization Get(string name) => name switch
    {
        "scalar" => ScalarBatchNorm.Instance,
        "fast" => FastBatchNorm.Instance,
        _ => throw new CommandLineValueException($"--impl '{name}' is unknown: expected fast or scalar"),
    };

    /// <summary>An implementation by name on a given number of threads.</summary>
    public static IBatchNormalization Get(string name, int threads)
    {
        IBatchNormalization implementation = Get(name);
        if (threads < 1 || threads > 1024)
        {
            throw new CommandLineValueException($"--threads {threads} is not usable: expected 1 to 1024");
        }

        return implementation switch
        {
            FastBatchNorm => new FastBatchNorm(threads),
            _ when threads == 1 => implementation,
            _ => throw new CommandLineValueException($"--threads {threads} is not available for --impl {name}: the scalar reference runs on one thread (expected 1)"),
        };
    }
}
