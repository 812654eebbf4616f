namespace BatchNormAxis.Cli;

/// <summary>The process exit codes of <c>bnaxis</c>, documented in docs/cli.md and in <c>--help</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command ran and found problems: failing cases (<c>run</c>), a changed file (<c>fixtures verify</c>).</summary>
    public const int Failure = 1;

    /// <summary>The command line or its input was invalid: an unknown option, a malformed shape, an axis that does not fit.</summary>
    public const int UsageError = 2;

    /// <summary>The harness could not be started or did not answer the start handshake.</summary>
    public const int HarnessUnusable = 3;

    /// <summary>A bug in bnaxis itself; the message asks for a report.</summary>
    public const int InternalError = 70;
}
