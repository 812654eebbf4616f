using System.Collections.Concurrent;

namespace BatchNormAxis.Tests;

/// <summary>
/// The spinning helpers take part in forks, never more of them than a fork asks for, wake again after they have
/// blocked, and step aside for the thread pool when another call has borrowed them.
/// </summary>
public class SpinningHelpersTests
{
    /// <summary>
    /// Each chunk sleeps a millisecond, so a fork lasts long enough for every awake helper to arrive, even on fewer
    /// processors than helpers, and then records its thread.
    /// </summary>
    private readonly struct RecordingJob(int[] runs, ConcurrentDictionary<int, bool> threads) : IChunkJob
    {
        public void Run(int chunk)
        {
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(1);
            Interlocked.Increment(ref runs[chunk]);
        }
    }

    private readonly struct FailingJob : IChunkJob
    {
        public void Run(int chunk) => throw new InvalidOperationException($"chunk {chunk} failed");
    }

    /// <summary>Runs one fork of <paramref name="chunks"/> chunks on <paramref name="team"/>; returns the threads that ran them.</summary>
    private static ICollection<int> RunFork(SpinningHelpers team, int threads, int chunks = 24)
    {
        int[] runs = new int[chunks];
        var seen = new ConcurrentDictionary<int, bool>();
        ChunkScheduler.Run(new RecordingJob(runs, seen), chunks, threads, team);
        Assert.All(runs, r => Assert.Equal(1, r));
        return seen.Keys;
    }

    /// <summary>Forks until one runs on a thread besides the caller's: false if none of <paramref name="attempts"/> did.</summary>
    private static bool AHelperTakesPart(SpinningHelpers team, int threads, int attempts = 50)
    {
        for (int i = 0; i < attempts; i++)
        {
            if (RunFork(team, threads).Any(id => id != Environment.CurrentManagedThreadId))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void Helpers_TakePartInForks_AndAgainAfterTheyHaveBlocked()
    {
        var team = new SpinningHelpers(1);
        Assert.True(AHelperTakesPart(team, threads: 2));
        Assert.Equal(1, team.Started);

        // Well past the spin: the helper has blocked, and the next fork must wake it.
        Thread.Sleep(TimeSpan.FromMicroseconds(20 * FastTuning.HelperSpinMicroseconds));
        Assert.True(AHelperTakesPart(team, threads: 2));
        Assert.Equal(1, team.Started);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AFork_RunsOnNoMoreThreadsThanItAsksFor(int threads)
    {
        // Four helpers, started by a fork that wants them all, spinning for longer than the test: every fork
        // reaches all four, and only its seats keep the ones it does not want out.
        var team = new SpinningHelpers(4, spinMicroseconds: 200_000);
        RunFork(team, threads: 5);
        Assert.Equal(4, team.Started);
        for (int fork = 0; fork < 20; fork++)
        {
            Assert.InRange(RunFork(team, threads, chunks: 48).Count, 1, threads);
        }
    }

    [Fact]
    public void ABorrowedTeam_LeavesTheFork_ToThePool()
    {
        var team = new SpinningHelpers(2);
        Assert.True(team.TryBorrow());
        try
        {
            Assert.False(team.TryBorrow());
            RunFork(team, threads: 3);
            Assert.Equal(0, team.Started);
        }
        finally
        {
            team.Return();
        }

        Assert.True(team.TryBorrow());
        team.Return();
    }

    [Fact]
    public void ATeamWithoutHelpers_IsNeverBorrowed_AndItsForksStillRun()
    {
        var team = new SpinningHelpers(0);
        Assert.False(team.TryBorrow());
        RunFork(team, threads: 4);
        Assert.Equal(0, team.Started);
    }

    [Fact]
    public void AFailingFork_ThrowsOnTheCaller_AndTheHelpersServeTheNextOne()
    {
        var team = new SpinningHelpers(1);
        Assert.Throws<InvalidOperationException>(() => ChunkScheduler.Run(new FailingJob(), 100, 2, team));
        Assert.True(team.TryBorrow()); // given back despite the exception
        team.Return();
        Assert.True(AHelperTakesPart(team, threads: 2));
    }
}
