namespace BatchNormAxis.Cli;

/// <summary>The implementations bnaxis carries, by the name given to <c>--impl</c>.</summary>
internal static class BuiltInImplementations
{
    /// <summary>The default: the fastest built-in.</summary>
    public const string Default = "fast";

    /// <summary>The placeholder of <c>--impl</c> in help: the values it takes.</summary>
    public const string HelpName = "fast|scalar";

    /// <summary>An implementation by name, on every processor (the fast one; results do not depend on it).</summary>
    public static IBatchNormalization Get(string name) => name switch
    {
        "scalar" => ScalarBatchNorm.Instance,
        "fast" => FastBatchNorm.Instance,
        _ => throw new CommandLineValueException($"--impl '{CommandLineValues.Echo(name)}' is unknown: expected fast or scalar"),
    };

    /// <summary>The most threads a built-in may be given: far more than any machine's processors, and a bound on the threads one command starts.</summary>
    public const int MaxThreads = 1024;

    /// <summary>An implementation by name on a given number of threads.</summary>
    public static IBatchNormalization Get(string name, int threads)
    {
        IBatchNormalization implementation = Get(name);
        if (threads < 1 || threads > MaxThreads)
        {
            throw new CommandLineValueException($"--threads {threads} is not usable: expected 1 to {MaxThreads}");
        }

        return implementation switch
        {
            FastBatchNorm => new FastBatchNorm(threads),
            _ when threads == 1 => implementation,
            _ => throw new CommandLineValueException($"--threads {threads} is not available for --impl {name}: the scalar reference runs on one thread (expected 1)"),
        };
    }
}
