namespace BatchNormAxis.Conformance.Running;

/// <summary>Limits that keep a run from hanging on, or drowning in, a bad harness (docs/protocol.md, "Limits").</summary>
/// <param name="StartupTimeout">How long the harness may take to answer <c>start</c>.</param>
/// <param name="CaseTimeout">How long it may take to answer one case.</param>
/// <param name="MaxConsecutiveFailures">Crashes or timeouts in a row after which the harness is declared unstable.</param>
/// <param name="MaxRestarts">Restarts in a whole run after which the harness is declared unstable.</param>
public sealed record HarnessLimits(TimeSpan StartupTimeout, TimeSpan CaseTimeout, int MaxConsecutiveFailures = 3, int MaxRestarts = 10)
{
    /// <summary>
    /// The default for <see cref="MaxLineBytes"/>: 16 MiB. The largest reply to a committed fixture is 25,187 bytes
    /// (measured with bnaxis serve over every case), so this leaves room for cases hundreds of times larger.
    /// </summary>
    public const int DefaultMaxLineBytes = 16 * 1024 * 1024;

    /// <summary>30 s to start, 10 s per case, 3 failures in a row, 10 restarts, 16 MiB lines.</summary>
    public static HarnessLimits Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    /// <summary>
    /// The longest line the harness may print on stdout, in bytes: a longer one is read to its end without being
    /// kept and is a protocol error for the case (at the start, the harness is unusable).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less.</exception>
    public int MaxLineBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = DefaultMaxLineBytes;
}
