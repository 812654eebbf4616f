namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// A run that stopped before every selected case ran, for a reason other than cancellation: an unusable harness,
/// or a failure outside any one case. <see cref="Report"/> holds every case that ran, so no result is lost.
/// </summary>
/// <param name="report">The cases that ran, with <see cref="RunReport.Incomplete"/> saying why the run stopped.</param>
/// <param name="cause">What stopped the run.</param>
public sealed class RunStoppedException(RunReport report, Exception cause)
    : Exception(report?.Incomplete ?? throw new ArgumentNullException(nameof(report)), cause)
{
    /// <summary>The cases that ran, marked incomplete.</summary>
    public RunReport Report { get; } = report;
}
