using System.Diagnostics;
using BatchNormAxis.Conformance.Running;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// The driver survives every fault a harness can commit: each ends as that case's verdict (or, at the start, one
/// line saying the harness is unusable), and no process of the harness's group is left behind.
/// </summary>
public class HarnessDriverTests
{
    private static readonly (FixtureCase Fixture, byte[] Bytes) s_case = FixtureLocation.Set.ReadCaseWithBytes("keep.r2.k0.train.f32");
    private static readonly (FixtureCase Fixture, byte[] Bytes) s_other = FixtureLocation.Set.ReadCaseWithBytes("keep.r2.k0.infer.f32");
    private static readonly HarnessLimits s_limits = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

    [Fact]
    public void AnyVariantOfAStartReply_StartsOrIsUnusableInOneLine_AndLeavesNoProcess() =>
        HostileJson.Variants(ShellHarness.StartReply).Sample(start =>
        {
            using var harness = new ShellHarness(ShellHarness.Scripted, start, CorrectReplyTemplate());
            try
            {
                HarnessDriver.Start(harness.Command, s_limits, TestContext.Current.CancellationToken).Dispose();
            }
            catch (HarnessUnusableException unusable)
            {
                Assert.StartsWith($"'{harness.Command}' answered start wrongly: start reply", unusable.Message, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', unusable.Message);
            }

            harness.AssertGroupGone();
        }, iter: 25, threads: 1);

    [Fact]
    public void AnyVariantOfARunReply_IsAnAnswerOrAProtocolError_AndLeavesNoProcess() =>
        HostileJson.Variants(ProtocolMessagesTests.CorrectReply(s_case.Fixture)).Sample(reply =>
        {
            using var harness = new ShellHarness(ShellHarness.Scripted, reply: reply);
            DriverAnswer answer;
            using (HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits, TestContext.Current.CancellationToken))
            {
                answer = driver.Run(s_case.Fixture, s_case.Bytes);
            }

            if (answer.Response is null)
            {
                Assert.Equal(CaseVerdict.Crashed, answer.Failure);
                Assert.StartsWith("protocol error: ", answer.Message, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', answer.Message!);
            }

            harness.AssertGroupGone();
        }, iter: 25, threads: 1);

    [Fact]
    public void SecondAnswer_IsNotChargedToTheNextCase()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            while read -r line; do
              seq=$(printf '%s' "$line" | sed -n 's/^{"cmd":"run","seq":\([0-9]*\).*/\1/p')
              sed "s/{seq}/$seq/g" "$DIR/reply"
              sed "s/{seq}/$seq/g" "$DIR/reply"
            done
            """, reply: """{"seq":{seq},"skipped":{"message":"not today"}}""");
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits, TestContext.Current.CancellationToken);

        DriverAnswer first = driver.Run(s_case.Fixture, s_case.Bytes);
        DriverAnswer second = driver.Run(s_other.Fixture, s_other.Bytes);

        Assert.Equal(ResponseKind.Skipped, first.Response?.Kind);
        Assert.Equal(ResponseKind.Skipped, second.Response?.Kind);
        Assert.Equal(["case keep.r2.k0.train.f32 answered more than once (seq 1); the later answer was ignored"], driver.Warnings);
    }

    [Fact]
    public void EndlessAnswersToEarlierCases_AreAProtocolErrorForTheCaseAwaited()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            read -r line
            sed "s/{seq}/1/g" "$DIR/reply"
            read -r line
            while :; do sed "s/{seq}/1/g" "$DIR/reply"; done
            """, reply: """{"seq":{seq},"skipped":{}}""");
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits, TestContext.Current.CancellationToken);

        DriverAnswer first = driver.Run(s_case.Fixture, s_case.Bytes);
        DriverAnswer second = driver.Run(s_other.Fixture, s_other.Bytes);

        Assert.Equal(ResponseKind.Skipped, first.Response?.Kind);
        Assert.Equal(new DriverAnswer(null, CaseVerdict.Crashed, "protocol error: more than 8 answers to earlier cases while this one (seq 2) was awaited"), second);
        Assert.Equal(HarnessDriver.MaxEarlierAnswersPerCase, driver.Warnings.Count);
    }

    [Fact]
    public void HarnessThatStartsAGrandchildAndExits_CrashesTheCaseAndTheGrandchildIsKilled()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            read -r line
            sleep 1000 &
            echo "started a grandchild" >&2
            exit 0
            """);
        var clock = Stopwatch.StartNew();
        DriverAnswer answer;
        using (HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits with { CaseTimeout = TimeSpan.FromSeconds(30) }, TestContext.Current.CancellationToken))
        {
            answer = driver.Run(s_case.Fixture, s_case.Bytes);
            harness.AssertGroupGone();
        }

        Assert.Equal(CaseVerdict.Crashed, answer.Failure);
        Assert.Equal("the harness exited while running the case (exit code 0); stderr ends: started a grandchild", answer.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: a timeout, not a crash");
    }

    [Fact]
    public void HarnessThatIgnoresSigterm_IsKilledOnTimeout()
    {
        using var harness = new ShellHarness("""
            trap '' TERM
            read -r line
            cat "$DIR/start"
            while read -r line; do sleep 1000; done
            """);
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits with { CaseTimeout = TimeSpan.FromSeconds(1) }, TestContext.Current.CancellationToken);

        DriverAnswer answer = driver.Run(s_case.Fixture, s_case.Bytes);

        Assert.Equal(CaseVerdict.Timeout, answer.Failure);
        harness.AssertGroupGone();
    }

    [Fact]
    public void HarnessThatClosesStdout_CrashesTheCaseWithoutWaitingForTheTimeout()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            read -r line
            exec 1>&-
            sleep 1000
            """);
        var clock = Stopwatch.StartNew();
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits with { CaseTimeout = TimeSpan.FromSeconds(30) }, TestContext.Current.CancellationToken);

        DriverAnswer answer = driver.Run(s_case.Fixture, s_case.Bytes);

        Assert.Equal(CaseVerdict.Crashed, answer.Failure);
        Assert.Equal("the harness closed its stdout while running the case", answer.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: a timeout, not a crash");
        harness.AssertGroupGone();
    }

    [Fact]
    public void OverlongLine_IsAProtocolErrorForTheCase()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            read -r line
            head -c 50000000 /dev/zero | tr '\0' x
            echo
            sleep 1000
            """);
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits with { MaxLineBytes = 1 << 20 }, TestContext.Current.CancellationToken);

        DriverAnswer answer = driver.Run(s_case.Fixture, s_case.Bytes);

        Assert.Equal(CaseVerdict.Crashed, answer.Failure);
        Assert.Equal("protocol error: a line of 50000000 bytes, longer than the limit of 1048576 bytes", answer.Message);
        harness.AssertGroupGone();
    }

    [Fact]
    public void Abort_FromAnotherThread_EndsTheCaseInProgressAndEveryLaterOne()
    {
        using var harness = new ShellHarness("""
            read -r line
            cat "$DIR/start"
            while read -r line; do sleep 1000; done
            """);
        using HarnessDriver driver = HarnessDriver.Start(harness.Command, s_limits with { CaseTimeout = TimeSpan.FromSeconds(120) }, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        using var aborter = new Timer(_ => driver.Abort(), null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);

        DriverAnswer answer = driver.Run(s_case.Fixture, s_case.Bytes);
        DriverAnswer later = driver.Run(s_other.Fixture, s_other.Bytes);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(new DriverAnswer(null, CaseVerdict.NotRun, "not run: the run was interrupted"), answer);
        Assert.Equal(new DriverAnswer(null, CaseVerdict.NotRun, "not run: the run was interrupted"), later);
        harness.AssertGroupGone();
    }

    [Fact]
    public void CancelledStart_EndsTheHandshakeAndLeavesNoProcess()
    {
        using var harness = new ShellHarness("""
            sleep 1000 &
            read -r line
            sleep 1000
            """);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        abort.CancelAfter(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() => HarnessDriver.Start(harness.Command, s_limits with { StartupTimeout = TimeSpan.FromSeconds(120) }, abort.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        harness.AssertGroupGone();
    }

    [Fact]
    public void Dispose_LeavesNoChildBehind()
    {
        using var harness = new ShellHarness("""
            sleep 1000 &
            sleep 1000 &
            read -r line
            cat "$DIR/start"
            while read -r line; do :; done
            """);

        HarnessDriver.Start(harness.Command, s_limits, TestContext.Current.CancellationToken).Dispose();

        harness.AssertGroupGone();
    }

    /// <summary>The right answer to <see cref="s_case"/>, with its seq as the placeholder the script fills in.</summary>
    private static string CorrectReplyTemplate() =>
        ProtocolMessagesTests.CorrectReply(s_case.Fixture).Replace("{\"seq\":1,", "{\"seq\":{seq},", StringComparison.Ordinal);
}
