namespace BatchNormAxis.Tests;

public class ChannelFirstLayoutTests
{
    [Theory]
    // NHWC, keep C: the familiar NHWC -> NCHW permute, then H and W flattened for BatchNorm1d.
    [InlineData(new[] { 8, 32, 32, 3 }, new[] { -1 }, new[] { 0, 3, 1, 2 }, new[] { 0, 2, 3, 1 }, new[] { 8, 3, 1024 })]
    // NCHW, keep C: already channel-first, only the reshape.
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 1 }, new[] { 0, 1, 2, 3 }, new[] { 0, 1, 2, 3 }, new[] { 2, 3, 20 })]
    // Keep the batch axis: the first reduced axis (1) goes to dim 0.
    [InlineData(new[] { 2, 3, 4 }, new[] { 0 }, new[] { 1, 0, 2 }, new[] { 1, 0, 2 }, new[] { 3, 2, 4 })]
    // Two kept axes are flattened into one channel dimension.
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 1, 3 }, new[] { 0, 1, 3, 2 }, new[] { 0, 1, 3, 2 }, new[] { 2, 15, 4 })]
    // One reduced axis: BatchNorm1d's (N, C) form.
    [InlineData(new[] { 6, 7 }, new[] { -1 }, new[] { 0, 1 }, new[] { 0, 1 }, new[] { 6, 7 })]
    // Nothing reduced: a batch of one.
    [InlineData(new[] { 5 }, new[] { 0 }, new[] { 0 }, new[] { 0 }, new[] { 1, 5 })]
    public void For_MovesKeptAxesToDimOneAndFlattens(int[] shape, int[] axes, int[] permutation, int[] inverse, int[] reshaped)
    {
        ChannelFirstLayout layout = ChannelFirstLayout.For(AxisResolution.Resolve(shape, AxisSpec.List(axes)));

        Assert.Equal(permutation, layout.Permutation);
        Assert.Equal(inverse, layout.InversePermutation);
        Assert.Equal(reshaped, layout.Shape);
        Assert.Equal(permutation.SequenceEqual(Enumerable.Range(0, shape.Length)), layout.IsIdentity);
    }

    public static TheoryData<int[], int[]> Layouts => new()
    {
        { [2, 3, 4, 5], [-1] },
        { [2, 3, 4, 5], [0, 2] },
        { [3, 2, 2, 3, 2], [3, 1] },
        { [2, 3, 2, 2, 1, 2], [4, -5, 2] },
        { [4, 3], [0, 1] },
        { [7], [0] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void For_EveryElementLandsInItsOwnChannelAtDimOne(int[] shape, int[] axes)
    {
        AxisResolution resolution = AxisResolution.Resolve(shape, AxisSpec.List(axes));
        ChannelFirstLayout layout = ChannelFirstLayout.For(resolution);
        int[] channelOf = resolution.ChannelOfEachElement();
        int channels = layout.Shape[1];
        int trailing = layout.Shape.Length == 3 ? layout.Shape[2] : 1;

        // Walk the input in row-major order, find each element's offset after the permutation, and read its
        // dim-1 coordinate in the (R0, C, R) view: it must be the element's Keras channel.
        Assert.Equal(resolution.ElementCount, layout.Shape.Aggregate(1, (a, b) => a * b));
        int[] counts = new int[channels];
        for (int element = 0; element < resolution.ElementCount; element++)
        {
            int[] coordinates = Unravel(element, shape);
            int permutedOffset = 0;
            foreach (int axis in layout.Permutation)
            {
                permutedOffset = (permutedOffset * shape[axis]) + coordinates[axis];
            }

            int channel = permutedOffset / trailing % channels;
            Assert.Equal(channelOf[element], channel);
            counts[channel]++;
        }

        Assert.All(counts, count => Assert.Equal(resolution.ReductionCount, count));
    }

    private static int[] Unravel(int offset, int[] shape)
    {
        int[] coordinates = new int[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            coordinates[axis] = offset % shape[axis];
            offset /= shape[axis];
        }

        return coordinates;
    }
}
