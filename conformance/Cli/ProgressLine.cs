using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>Progress on stderr during a run: a line every 50 cases or 2 seconds, and every failure as it happens.</summary>
internal sealed class ProgressLine(TextWriter error, int total)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan _lastReport;
    private int _failed;

    public void Report(int done, CaseReport report)
    {
        if (report.Outcome == Outcome.Failed)
        {
            _failed++;
        }

        if (done % 50 == 0 || _clock.Elapsed - _lastReport > TimeSpan.FromSeconds(2))
        {
            _lastReport = _clock.Elapsed;
            error.WriteLine($"  [{done}/{total}] {_failed} failed so far, {_clock.Elapsed.TotalSeconds:0.0} s");
        }
    }

    /// <summary>The closing progress line: done, or where the run stopped.</summary>
    public void Finish(int done) => error.WriteLine(done == total
        ? $"  [{total}/{total}] done in {_clock.Elapsed.TotalSeconds:0.0} s"
        : $"  [{done}/{total}] stopped after {_clock.Elapsed.TotalSeconds:0.0} s");
}
