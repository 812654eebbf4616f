using System.Diagnostics;

namespace BatchNormAxis;

/// <summary>
/// Helper threads of the fast implementation's own, for <see cref="ChunkScheduler"/>: after each fork they wait for
/// the next one by spinning for <see cref="FastTuning.HelperSpinMicroseconds"/>, and only then block. A thread-pool
/// thread that has gone idle started on a fork 0.2 to 1 ms after it was queued on docs/performance.md's machine, a
/// large part of a pass of a few milliseconds; a spinning helper starts within a microsecond. libtorch's OpenMP
/// runtime and ONNX Runtime's thread pool spin the same way by default. One call at a time borrows the team; a call
/// that finds it borrowed (another thread's call) queues its helpers to the thread pool instead.
/// </summary>
internal sealed class SpinningHelpers
{
    private static readonly long s_callerSpinTicks = TicksOf(FastTuning.HelperSpinMicroseconds);

    private readonly int _capacity;
    private readonly long _spinTicks;
    private Helper[] _helpers = [];
    private IThreadPoolWorkItem? _work;
    private long _generation;
    private int _borrowed;

    /// <summary>
    /// A team of at most <paramref name="capacity"/> helpers, started when a fork first needs them, that spin for
    /// <paramref name="spinMicroseconds"/> before they block.
    /// </summary>
    public SpinningHelpers(int capacity, int spinMicroseconds = FastTuning.HelperSpinMicroseconds)
    {
        _capacity = Math.Max(0, capacity);
        _spinTicks = TicksOf(spinMicroseconds);
    }

    /// <summary>
    /// The process's team: one helper per processor beside the calling thread's, since a helper that spins on a
    /// processor the caller needs would slow the call down.
    /// </summary>
    public static SpinningHelpers Shared { get; } = new(Environment.ProcessorCount - 1);

    /// <summary>Helpers started so far.</summary>
    public int Started => Volatile.Read(ref _helpers).Length;

    /// <summary>Borrows the team for one fork; false when another call has it or it has no helpers.</summary>
    public bool TryBorrow() => _capacity > 0 && Interlocked.CompareExchange(ref _borrowed, 1, 0) == 0;

    /// <summary>Gives the team back once the fork has been joined.</summary>
    public void Return() => Volatile.Write(ref _borrowed, 0);

    /// <summary>
    /// Hands <paramref name="work"/> to the team (which the caller has borrowed), waking the first
    /// <paramref name="count"/> helpers if they sleep; every helper that is awake runs it, so the work must admit only
    /// as many as it wants (<see cref="ChunkScheduler"/>'s forks count their seats).
    /// </summary>
    public void Offer(IThreadPoolWorkItem work, int count)
    {
        Helper[] helpers = Grow(Math.Min(count, _capacity));
        Volatile.Write(ref _work, work);
        Interlocked.Increment(ref _generation); // a full fence: helpers that see it see the work
        for (int i = 0; i < Math.Min(count, helpers.Length); i++)
        {
            helpers[i].WakeIfAsleep();
        }
    }

    /// <summary>Starts helpers until there are <paramref name="count"/>; only the borrower calls it, one at a time.</summary>
    private Helper[] Grow(int count)
    {
        Helper[] helpers = _helpers;
        if (helpers.Length >= count)
        {
            return helpers;
        }

        var grown = new Helper[count];
        helpers.CopyTo(grown, 0);
        for (int i = helpers.Length; i < count; i++)
        {
            // A new helper starts from the generation before this offer's, so it runs the offer.
            grown[i] = new Helper(this, i, Volatile.Read(ref _generation));
        }

        Volatile.Write(ref _helpers, grown);
        return grown;
    }

    /// <summary>
    /// Spins until <paramref name="finished"/> is set, for at most <see cref="FastTuning.HelperSpinMicroseconds"/>: a
    /// caller waiting for its helpers, which then blocks on the event if it must.
    /// </summary>
    public static void SpinUntilSet(ManualResetEventSlim finished)
    {
        long start = Stopwatch.GetTimestamp();
        while (!finished.IsSet && Stopwatch.GetTimestamp() - start < s_callerSpinTicks)
        {
            Thread.SpinWait(1);
        }
    }

    private static long TicksOf(long microseconds) => microseconds * Stopwatch.Frequency / 1_000_000;

#pragma warning disable CA1001 // lives as long as its thread, which lives as long as the process
    private sealed class Helper
#pragma warning restore CA1001
    {
        private readonly SpinningHelpers _team;
        private readonly SemaphoreSlim _wake = new(0);
        private int _asleep;

        public Helper(SpinningHelpers team, int index, long generation)
        {
            _team = team;
            var thread = new Thread(() => Loop(generation)) { IsBackground = true, Name = $"BatchNormAxis helper {index + 1}" };
            thread.Start();
        }

        /// <summary>Wakes the helper if it blocked; a helper that sees the new generation first only wakes once more for nothing.</summary>
        public void WakeIfAsleep()
        {
            if (Interlocked.Exchange(ref _asleep, 0) == 1)
            {
                _wake.Release();
            }
        }

        private void Loop(long seen)
        {
            while (true)
            {
                seen = WaitForNext(seen);
                Volatile.Read(ref _team._work)?.Execute();
            }
        }

        /// <summary>Spins until the generation moves on, blocking once the spin has lasted its time; returns the new generation.</summary>
        private long WaitForNext(long seen)
        {
            long start = Stopwatch.GetTimestamp();
            while (true)
            {
                for (int i = 0; i < 64; i++)
                {
                    long generation = Volatile.Read(ref _team._generation);
                    if (generation != seen)
                    {
                        return generation;
                    }

                    Thread.SpinWait(1);
                }

                if (Stopwatch.GetTimestamp() - start < _team._spinTicks)
                {
                    continue;
                }

                // Asleep first, then the last look: an offer made after the look sees the flag and wakes us.
                Interlocked.Exchange(ref _asleep, 1);
                if (Volatile.Read(ref _team._generation) == seen)
                {
                    _wake.Wait();
                }

                Interlocked.Exchange(ref _asleep, 0);
                start = Stopwatch.GetTimestamp();
            }
        }
    }
}
