using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>Invariants of axis resolution over random shapes (rank 1 to 6), keep-sets and spellings.</summary>
public class AxisResolutionPropertyTests
{
    /// <summary>A shape, a non-empty keep-set as a bit mask over its axes, and a seed for choosing spellings.</summary>
    private static readonly Gen<(int[] Shape, int KeptMask, int SpellingSeed)> s_shapeAndKeepSet =
        from rank in Gen.Int[1, 6]
        from shape in Gen.Int[1, 5].Array[rank]
        from keptMask in Gen.Int[1, (1 << rank) - 1]
        from spellingSeed in Gen.Int
        select (shape, keptMask, spellingSeed);

    [Fact]
    public void KeptAndReducedAxesPartitionTheAxes()
    {
        s_shapeAndKeepSet.Sample(c =>
        {
            int[] kept = Bits(c.KeptMask, c.Shape.Length);
            AxisResolution resolution = AxisResolution.Resolve(c.Shape, AxisSpec.List(kept));

            Assert.Equal(kept, resolution.KeptAxes);
            Assert.Equal(Enumerable.Range(0, c.Shape.Length).Except(kept), resolution.ReductionAxes);
            Assert.Equal(
                resolution.ElementCount,
                resolution.ChannelCount * resolution.ReductionCount);
            Assert.Equal(resolution.ChannelCount, resolution.BroadcastShape.Aggregate(1, (a, b) => a * b));
            Assert.Equal(c.Shape.Length, resolution.BroadcastShape.Length);
            for (int a = 0; a < c.Shape.Length; a++)
            {
                Assert.Equal(kept.Contains(a) ? c.Shape[a] : 1, resolution.BroadcastShape[a]);
            }
        }, iter: 2000);
    }

    [Fact]
    public void EverySpellingOfAKeepSetResolvesTheSame()
    {
        s_shapeAndKeepSet.Sample(c =>
        {
            int rank = c.Shape.Length;
            int[] kept = Bits(c.KeptMask, rank);
            var random = new Random(c.SpellingSeed);

            // Shuffle the order and write each axis as positive or negative at random: the meaning must not change.
            int[] spelled = [.. kept.OrderBy(_ => random.Next()).Select(a => random.Next(2) == 0 ? a : a - rank)];
            AxisResolution canonical = AxisResolution.Resolve(c.Shape, AxisSpec.List(kept));
            AxisResolution mixed = AxisResolution.Resolve(c.Shape, AxisSpec.List(spelled));

            Assert.Equal(canonical.KeptAxes, mixed.KeptAxes);
            Assert.Equal(canonical.ReductionAxes, mixed.ReductionAxes);
            Assert.Equal(canonical.ParameterShape, mixed.ParameterShape);
            Assert.Equal(canonical.BroadcastShape, mixed.BroadcastShape);
            if (spelled.Length == 1)
            {
                Assert.Equal(canonical.KeptAxes, AxisResolution.Resolve(c.Shape, AxisSpec.Of(spelled[0])).KeptAxes);
            }
        }, iter: 2000);
    }

    [Fact]
    public void AxesOutsideTheRankAreRejected()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[-20, 20]).Sample((rank, axis) =>
        {
            int[] shape = [.. Enumerable.Repeat(2, rank)];
            bool inRange = axis >= -rank && axis < rank;
            if (inRange)
            {
                Assert.Equal([(axis + rank) % rank], AxisResolution.Resolve(shape, AxisSpec.Of(axis)).KeptAxes);
            }
            else
            {
                var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, AxisSpec.Of(axis)));
                Assert.Equal(BatchNormErrorCategory.AxisOutOfRange, error.Category);
            }
        }, iter: 1000);
    }

    private static int[] Bits(int mask, int rank) => [.. Enumerable.Range(0, rank).Where(a => (mask & (1 << a)) != 0)];
}
