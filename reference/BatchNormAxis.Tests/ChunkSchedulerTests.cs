namespace BatchNormAxis.Tests;

/// <summary>The fork-join scheduler runs every chunk exactly once, on any thread count, from any thread.</summary>
public class ChunkSchedulerTests
{
    private readonly struct CountingJob(int[] runs) : IChunkJob
    {
        public void Run(int chunk) => Interlocked.Increment(ref runs[chunk]);
    }

    private readonly struct FailingJob(int failingChunk) : IChunkJob
    {
        public void Run(int chunk)
        {
            if (chunk == failingChunk)
            {
                throw new InvalidOperationException($"chunk {chunk} failed");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(64)]
    public void EveryChunk_RunsExactlyOnce(int threads)
    {
        foreach (int count in new[] { 0, 1, 2, 5, 17, 100, 1000 })
        {
            int[] runs = new int[count];
            ChunkScheduler.Run(new CountingJob(runs), count, threads);
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void ManyCallers_AtOnce_EachGetAllTheirChunks()
    {
        // Callers on pool threads reuse their thread's fork; helpers queued by one call may start during the next.
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, caller =>
        {
            for (int call = 0; call < 20; call++)
            {
                int[] runs = new int[1 + ((caller + call) % 40)];
                ChunkScheduler.Run(new CountingJob(runs), runs.Length, 4);
                Assert.All(runs, r => Assert.Equal(1, r));
            }
        });
    }

    [Fact]
    public void AFailingChunk_ThrowsOnTheCaller_AndTheSchedulerStaysUsable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ChunkScheduler.Run(new FailingJob(37), 100, 4));
        Assert.Equal("chunk 37 failed", error.Message);

        int[] runs = new int[50];
        ChunkScheduler.Run(new CountingJob(runs), runs.Length, 4);
        Assert.All(runs, r => Assert.Equal(1, r));
    }
}
