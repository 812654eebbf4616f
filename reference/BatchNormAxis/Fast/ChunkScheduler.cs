using System.Runtime.ExceptionServices;

namespace BatchNormAxis;

/// <summary>A piece of work split into numbered chunks; each chunk writes only its own outputs.</summary>
internal interface IChunkJob
{
    /// <summary>Does chunk <paramref name="chunk"/>.</summary>
    void Run(int chunk);
}

/// <summary>
/// Runs chunks 0..count-1 of a job on up to a given number of threads, the calling thread included, and returns
/// when every chunk is done. Which thread runs which chunk varies from run to run; because the chunks are fixed by
/// the caller (from the shape alone) and each writes only its own outputs, results never depend on it.
/// </summary>
/// <remarks>
/// Allocates nothing in steady state: one reusable <see cref="Fork{TJob}"/> per calling thread and job type is
/// handed, as an <see cref="IThreadPoolWorkItem"/>, to the spinning helpers (<see cref="SpinningHelpers"/>) or, when
/// another call has them, queued to the thread pool. The caller takes chunks too, so the call finishes even when no
/// helper is free; helpers that start late find no chunk left.
/// </remarks>
internal static class ChunkScheduler
{
    public static void Run<TJob>(in TJob job, int chunkCount, int threads)
        where TJob : struct, IChunkJob => Run(job, chunkCount, threads, SpinningHelpers.Shared);

    /// <summary>Runs the chunks with <paramref name="team"/> as the helpers when it is free.</summary>
    public static void Run<TJob>(in TJob job, int chunkCount, int threads, SpinningHelpers team)
        where TJob : struct, IChunkJob
    {
        int helpers = Math.Min(threads, chunkCount) - 1;
        if (helpers <= 0)
        {
            for (int chunk = 0; chunk < chunkCount; chunk++)
            {
                job.Run(chunk);
            }

            return;
        }

        Fork<TJob> fork = Fork<TJob>.OfThisThread;
        fork.Open(job, chunkCount, helpers);
        if (team.TryBorrow())
        {
            try
            {
                team.Offer(fork, helpers);
                fork.Join();
            }
            finally
            {
                team.Return();
            }

            return;
        }

        for (int i = 0; i < helpers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(fork, preferLocal: false);
        }

        fork.Join();
    }

    /// <summary>
    /// One fork-join at a time for one calling thread. Participants join while the fork is open (a count above
    /// zero) and a seat is left (as many seats as the call wants helpers: every awake spinning helper comes); the
    /// count reaches zero only after the caller and every helper that joined have finished, and then no helper can
    /// join any more, so a helper of this call that starts after it returns does no harm: it either finds the fork
    /// closed or joins the next call of the same thread, whose job is already in place.
    /// </summary>
#pragma warning disable CA1001 // one per thread and job type, alive as long as its thread: nothing to dispose early
    private sealed class Fork<TJob> : IThreadPoolWorkItem
#pragma warning restore CA1001
        where TJob : struct, IChunkJob
    {
        [ThreadStatic]
        private static Fork<TJob>? s_ofThisThread;

        private readonly ManualResetEventSlim _finished = new(initialState: false);
        private TJob _job;
        private int _nextChunk;
        private int _chunkCount;
        private int _participants;
        private int _seats;
        private Exception? _error;

        public static Fork<TJob> OfThisThread => s_ofThisThread ??= new Fork<TJob>();

        public void Open(in TJob job, int chunkCount, int seats)
        {
            _job = job;
            _chunkCount = chunkCount;
            _seats = seats;
            _nextChunk = 0;
            _error = null;
            _finished.Reset();
            Volatile.Write(ref _participants, 1); // the caller; opening publishes everything written above
        }

        /// <summary>
        /// The caller's part: run chunks, then wait for the helpers that joined, spinning first as they do
        /// (<see cref="SpinningHelpers"/>): a caller that blocks at once is woken as late as an idle helper.
        /// </summary>
        public void Join()
        {
            RunChunks();
            if (Interlocked.Decrement(ref _participants) != 0)
            {
                SpinningHelpers.SpinUntilSet(_finished);
                _finished.Wait();
            }

            _job = default;
            if (_error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }

        /// <summary>A helper's part, on a spinning helper or a pool thread.</summary>
        public void Execute()
        {
            if (Interlocked.Decrement(ref _seats) < 0)
            {
                return; // the call has as many helpers as it wants
            }

            int participants = Volatile.Read(ref _participants);
            while (true)
            {
                if (participants == 0)
                {
                    return; // closed: every chunk is done
                }

                int seen = Interlocked.CompareExchange(ref _participants, participants + 1, participants);
                if (seen == participants)
                {
                    break;
                }

                participants = seen;
            }

            RunChunks();
            if (Interlocked.Decrement(ref _participants) == 0)
            {
                _finished.Set();
            }
        }

        private void RunChunks()
        {
            try
            {
                int chunk;
                while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunkCount)
                {
                    _job.Run(chunk);
                }
            }
#pragma warning disable CA1031 // rethrown on the calling thread by Join
            catch (Exception error)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _error, error, null);
                Volatile.Write(ref _nextChunk, int.MaxValue / 2); // the others stop taking chunks
            }
        }
    }
}
