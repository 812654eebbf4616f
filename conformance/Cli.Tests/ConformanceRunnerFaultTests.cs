using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// ConformanceRunner never loses a result: an exception inside one case is that case's errored verdict and the run
/// goes on; whatever else stops the run (an unusable harness, a failing progress callback, a cancellation) hands back
/// every case that ran, marked incomplete.
/// </summary>
public sealed class ConformanceRunnerFaultTests
{
    private static readonly FixtureSet s_fixtures = FixtureSet.Open(FakeHarnesses.Fixtures());
    private static readonly ManifestEntry[] s_selected = [.. s_fixtures.Manifest.Cases.Where(c => c.Id.StartsWith("keep.r2.k0.", StringComparison.Ordinal))];

    [Fact]
    public void ExceptionInsideOneCase_IsThatCasesErroredVerdictAndTheRunGoesOn()
    {
        using var driver = new FaultyDriver(onCase: 2, _ => throw new InvalidOperationException("driver bug"));

        RunReport report = ConformanceRunner.Run(s_fixtures, s_selected, driver, Expectations.None, null, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal(s_selected.Length, report.Cases.Count);
        Assert.Null(report.Incomplete);
        CaseReport errored = report.Cases[1];
        Assert.Equal(CaseVerdict.Errored, errored.Verdict);
        Assert.Equal(Outcome.Failed, errored.Outcome);
        Assert.Equal("bnaxis could not run or grade the case (InvalidOperationException: driver bug)", errored.Message);
        Assert.All(report.Cases.Where((_, i) => i != 1), c => Assert.Equal(CaseVerdict.Passed, c.Verdict));
    }

    [Fact]
    public void UnusableHarness_StopsTheRunWithEveryCaseThatRan()
    {
        using var driver = new FaultyDriver(onCase: 3, _ => throw new HarnessUnusableException("'x' answered start wrongly: protocol 1.5"));

        RunStoppedException stopped = Assert.Throws<RunStoppedException>(() => ConformanceRunner.Run(s_fixtures, s_selected, driver, Expectations.None, "x", cancellation: TestContext.Current.CancellationToken));

        Assert.IsType<HarnessUnusableException>(stopped.InnerException);
        Assert.Equal(2, stopped.Report.Cases.Count);
        Assert.Equal($"the harness became unusable after 2 of {s_selected.Length} cases: 'x' answered start wrongly: protocol 1.5", stopped.Report.Incomplete);
        Assert.Equal(s_fixtures.Provenance, stopped.Report.Provenance);
    }

    [Fact]
    public void FailureOutsideACase_StopsTheRunWithEveryCaseThatRan()
    {
        using var driver = new FaultyDriver(onCase: 0, _ => null);

        RunStoppedException stopped = Assert.Throws<RunStoppedException>(() => ConformanceRunner.Run(
            s_fixtures, s_selected, driver, Expectations.None, null, (done, _) =>
            {
                if (done == 3)
                {
                    throw new IOException("progress bug");
                }
            },
            TestContext.Current.CancellationToken));

        Assert.IsType<IOException>(stopped.InnerException);
        Assert.Equal(3, stopped.Report.Cases.Count);
        Assert.Equal($"stopped by an internal error after 3 of {s_selected.Length} cases (IOException: progress bug)", stopped.Report.Incomplete);
    }

    [Fact]
    public void Cancellation_StopsBetweenCasesAndLeavesOutTheCaseItKilled()
    {
        using var cancellation = new CancellationTokenSource();
        // The third case is "killed" by the interruption, as Abort does to a harness: its verdict is not the implementation's.
        using var driver = new FaultyDriver(onCase: 3, _ =>
        {
            cancellation.Cancel();
            return new DriverAnswer(null, CaseVerdict.Crashed, "the harness exited while running the case");
        });

        RunReport report = ConformanceRunner.Run(s_fixtures, s_selected, driver, Expectations.None, null, cancellation: cancellation.Token);

        Assert.Equal(2, report.Cases.Count);
        Assert.All(report.Cases, c => Assert.Equal(CaseVerdict.Passed, c.Verdict));
        Assert.Equal($"cancelled after 2 of {s_selected.Length} cases", report.Incomplete);
    }

    [Fact]
    public void Cancellation_KeepsACaseThatWasGradedBeforeTheRunStopped()
    {
        using var cancellation = new CancellationTokenSource();
        using var driver = new FaultyDriver(onCase: 1, real =>
        {
            cancellation.Cancel();
            return real();
        });

        RunReport report = ConformanceRunner.Run(s_fixtures, s_selected, driver, Expectations.None, null, cancellation: cancellation.Token);

        CaseReport only = Assert.Single(report.Cases);
        Assert.Equal(CaseVerdict.Passed, only.Verdict);
        Assert.Equal($"cancelled after 1 of {s_selected.Length} cases", report.Incomplete);
    }

    [Fact]
    public void CancelledBeforeTheFirstCase_RunsNothing()
    {
        using var driver = new FaultyDriver(onCase: 0, _ => null);

        RunReport report = ConformanceRunner.Run(s_fixtures, s_selected, driver, Expectations.None, null, cancellation: new CancellationToken(canceled: true));

        Assert.Empty(report.Cases);
        Assert.Equal(0, driver.Runs);
        Assert.Equal($"cancelled after 0 of {s_selected.Length} cases", report.Incomplete);
    }

    [Fact]
    public void NothingRan_IsAnEmptyReportThatSaysWhy()
    {
        RunReport report = ConformanceRunner.NothingRan(s_fixtures, "python3 h.py", "the harness is unusable: no");

        Assert.Empty(report.Cases);
        Assert.Equal("the harness is unusable: no", report.Incomplete);
        Assert.Equal("python3 h.py", report.Command);
        Assert.Equal(s_fixtures.Provenance, report.Provenance);
    }

    /// <summary>The scalar reference, except on one case (1-based), where <c>fault</c> decides the answer.</summary>
    private sealed class FaultyDriver(int onCase, Func<Func<DriverAnswer>, DriverAnswer?> fault) : ICaseDriver
    {
        private readonly InProcessDriver _real = new(ScalarBatchNorm.Instance);

        public int Runs { get; private set; }

        public HarnessCapabilities Capabilities => _real.Capabilities;

        public string StderrTail => "";

        public string? UnstableReason => null;

        public IReadOnlyList<string> Warnings => [];

        public DriverAnswer Run(FixtureCase fixture, byte[] caseFile)
        {
            Runs++;
            DriverAnswer Real() => _real.Run(fixture, caseFile);
            return Runs == onCase ? fault(Real) ?? Real() : Real();
        }

        public void Abort()
        {
        }

        public void Dispose() => _real.Dispose();
    }
}
