namespace BatchNormAxis.Tests;

/// <summary>
/// The renorm buffers and options are checked like the others: one per channel with renorm, empty without it, in place
/// over their own old value or separate; the clipping and momentum as Keras' constructor checks them. One-line messages
/// naming the buffer or value, before anything is written.
/// </summary>
public class RenormArgumentTests
{
    private static readonly AxisResolution s_layout = AxisResolution.Resolve([2, 4, 5], AxisSpec.Of(1)); // 4 channels, 40 elements
    private static readonly BatchNormOptions s_renorm = new() { Renorm = new RenormOptions() };
    private const string Context = "axis=1 on input shape (2, 4, 5) resolves to [1]";

    public static TheoryData<IBatchNormalization> Implementations => [ScalarBatchNorm.Instance, FastBatchNorm.Instance];

    public static TheoryData<string> Statistics => ["moving_stddev", "renorm_mean", "renorm_stddev"];

    [Theory]
    [MemberData(nameof(Statistics))]
    public void Forward_RejectsRenormWeightOfWrongLength(string name)
    {
        Buffers buffers = new Buffers().With(name, new float[3]);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, s_renorm));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.Equal($"{name} has 3 elements but {Context}: expected 4, one per channel (parameter shape (4,))", error.Message);
        Assert.All(buffers.Y, v => Assert.Equal(-1f, v)); // nothing written
    }

    [Theory]
    [MemberData(nameof(Statistics))]
    public void Forward_RejectsRenormDestinationOfWrongLength(string name)
    {
        Buffers buffers = new Buffers().With($"{name} destination", new float[5]);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(FastBatchNorm.Instance, s_renorm));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.Equal($"{name} destination has 5 elements but {Context}: expected 4, one per channel (parameter shape (4,))", error.Message);
    }

    [Theory]
    [MemberData(nameof(Statistics))]
    public void Forward_RejectsMissingRenormBuffers_WhenRenormIsOn(string name)
    {
        Buffers buffers = new Buffers().With(name, []);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, s_renorm));

        Assert.Equal($"{name} has 0 elements but {Context}: expected 4, one per channel (parameter shape (4,))", error.Message);
    }

    [Theory]
    [InlineData("moving_stddev")]
    [InlineData("renorm_mean")]
    [InlineData("renorm_stddev")]
    [InlineData("moving_stddev destination")]
    [InlineData("renorm_mean destination")]
    [InlineData("renorm_stddev destination")]
    public void Forward_RejectsRenormBuffers_WhenRenormIsOff(string name)
    {
        // Only the one buffer is given: the others are empty, as a layer without renorm has them.
        Buffers buffers = new Buffers().WithoutRenorm().With(name, new float[4]);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, BatchNormOptions.Default));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        string statistic = name.Replace(" destination", "", StringComparison.Ordinal);
        Assert.Equal($"{name} has 4 elements but renorm is off, so the layer has no {statistic}: expected it empty", error.Message);
    }

    [Theory]
    [MemberData(nameof(Statistics))]
    public void Backward_RejectsRenormWeightOfWrongLength(string name)
    {
        Buffers buffers = new Buffers().With(name, new float[2]);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Backward(FastBatchNorm.Instance, s_renorm));

        Assert.Equal($"{name} has 2 elements but {Context}: expected 4, one per channel (parameter shape (4,))", error.Message);
    }

    [Fact]
    public void Backward_RejectsRenormWeights_WhenRenormIsOff()
    {
        Buffers buffers = new Buffers().WithoutRenorm().With("renorm_mean", new float[4]);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Backward(ScalarBatchNorm.Instance, BatchNormOptions.Default));

        Assert.Equal("renorm_mean has 4 elements but renorm is off, so the layer has no renorm_mean: expected it empty", error.Message);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Forward_InPlaceRenormStatistics_EqualSeparateDestinations(IBatchNormalization implementation)
    {
        var random = new Random(12);
        float[] x = [.. Enumerable.Range(0, 40).Select(_ => (float)random.NextDouble())];
        var separate = new Buffers(x);
        var inPlace = new Buffers(x);
        inPlace.MovingStddevOut = inPlace.MovingStddev;
        inPlace.RenormMeanOut = inPlace.RenormMean;
        inPlace.RenormStddevOut = inPlace.RenormStddev;
        BatchNormOptions options = s_renorm with { Renorm = new RenormOptions { Momentum = 0.5, RMax = 3 } };

        separate.Forward(implementation, options);
        inPlace.Forward(implementation, options);

        Assert.Equal(separate.Y, inPlace.Y);
        Assert.Equal(separate.MovingStddevOut, inPlace.MovingStddev);
        Assert.Equal(separate.RenormMeanOut, inPlace.RenormMean);
        Assert.Equal(separate.RenormStddevOut, inPlace.RenormStddev);
        Assert.NotEqual(new Buffers().RenormMean, inPlace.RenormMean); // the call did move them
    }

    [Fact]
    public void Forward_RejectsRenormDestinationOverAnotherStatistic()
    {
        var buffers = new Buffers();
        buffers.RenormMeanOut = buffers.RenormStddev;

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, s_renorm));

        Assert.Equal(BatchNormErrorCategory.OverlappingBuffers, error.Category);
        Assert.Equal("renorm_mean destination overlaps renorm_stddev, starting where renorm_stddev starts: expected separate memory", error.Message);
    }

    [Fact]
    public void Forward_RejectsRenormDestinationPartlyOverItsOwnStatistic()
    {
        var buffers = new Buffers();
        float[] shared = new float[5];
        buffers.MovingStddev = shared.AsMemory(0, 4);
        buffers.MovingStddevOut = shared.AsMemory(1, 4);

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(FastBatchNorm.Instance, s_renorm));

        Assert.Equal("moving_stddev destination overlaps moving_stddev, starting 1 elements after moving_stddev starts: expected exactly moving_stddev (in place) or separate memory", error.Message);
    }

    [Fact]
    public void Forward_RejectsMovingVarianceDestinationOverTheMovingStddev()
    {
        var buffers = new Buffers();
        buffers.MovingVarianceOut = buffers.MovingStddev;

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, s_renorm));

        Assert.Equal("moving_variance destination overlaps moving_stddev, starting where moving_stddev starts: expected separate memory", error.Message);
    }

    [Fact]
    public void Forward_RejectsTwoRenormDestinationsInOneBuffer()
    {
        var buffers = new Buffers();
        buffers.RenormStddevOut = buffers.MovingStddevOut;

        var error = Assert.Throws<BatchNormArgumentException>(() => buffers.Forward(ScalarBatchNorm.Instance, s_renorm));

        Assert.Equal("renorm_stddev destination overlaps moving_stddev destination, starting where moving_stddev destination starts: expected separate memory", error.Message);
    }

    [Theory]
    [InlineData(-0.1, "renorm_momentum=-0.1 is not usable: expected a number in [0, 1] (the weight of the old renorm statistic)")]
    [InlineData(1.5, "renorm_momentum=1.5 is not usable: expected a number in [0, 1] (the weight of the old renorm statistic)")]
    [InlineData(double.NaN, "renorm_momentum=NaN is not usable: expected a number in [0, 1] (the weight of the old renorm statistic)")]
    public void Validate_RejectsMomentumOutOfRange(double momentum, string message)
    {
        var error = Assert.Throws<BatchNormArgumentException>(() => new RenormOptions { Momentum = momentum }.Validate());

        Assert.Equal(BatchNormErrorCategory.InvalidHyperparameter, error.Category);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(2.0, 1.5, null, "renorm_clipping rmax=1.5 is below rmin=2: expected rmax >= rmin")]
    [InlineData(null, null, -0.25, "renorm_clipping dmax=-0.25 is negative: expected dmax >= 0")]
    [InlineData(double.NaN, null, null, "renorm_clipping rmin=NaN is not usable: expected a number")]
    [InlineData(null, double.NaN, null, "renorm_clipping rmax=NaN is not usable: expected a number")]
    [InlineData(null, null, double.NaN, "renorm_clipping dmax=NaN is not usable: expected a number")]
    public void Validate_RejectsUnusableClipping(double? rmin, double? rmax, double? dmax, string message)
    {
        var error = Assert.Throws<BatchNormArgumentException>(() => new RenormOptions { RMin = rmin, RMax = rmax, DMax = dmax }.Validate());

        Assert.Equal(BatchNormErrorCategory.InvalidHyperparameter, error.Category);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, 0.0)]
    [InlineData(1.0, 1.0, 1.0, 0.0)] // rmin = rmax: r fixed; dmax 0: d fixed at 0
    public void Validate_AcceptsTheEdges(double momentum, double rmin, double rmax, double dmax) =>
        new RenormOptions { Momentum = momentum, RMin = rmin, RMax = rmax, DMax = dmax }.Validate();

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Forward_ChecksTheRenormOptions_BeforeWritingAnything(IBatchNormalization implementation)
    {
        var buffers = new Buffers();

        var error = Assert.Throws<BatchNormArgumentException>(() =>
            buffers.Forward(implementation, s_renorm with { Renorm = new RenormOptions { DMax = -1 } }));

        Assert.Equal("renorm_clipping dmax=-1 is negative: expected dmax >= 0", error.Message);
        Assert.All(buffers.Y, v => Assert.Equal(-1f, v));
        Assert.All(buffers.RenormMean.ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>Every buffer of a renormalizing call on <see cref="s_layout"/>, as memory that a test can swap or alias.</summary>
    private sealed class Buffers
    {
        public Buffers(float[]? x = null)
        {
            X = x ?? new float[40];
        }

        public float[] X { get; }

        public float[] Y { get; } = [.. Enumerable.Repeat(-1f, 40)];

        public Memory<float> Gamma { get; set; } = new float[] { 1, 1, 1, 1 };

        public Memory<float> Beta { get; set; } = new float[4];

        public Memory<float> MovingMean { get; set; } = new float[4];

        public Memory<float> MovingVariance { get; set; } = new float[] { 1, 1, 1, 1 };

        public Memory<float> MovingStddev { get; set; } = new float[] { 1, 1, 1, 1 };

        public Memory<float> RenormMean { get; set; } = new float[4];

        public Memory<float> RenormStddev { get; set; } = new float[] { 1, 1, 1, 1 };

        public Memory<float> MovingMeanOut { get; set; } = new float[4];

        public Memory<float> MovingVarianceOut { get; set; } = new float[4];

        public Memory<float> MovingStddevOut { get; set; } = new float[4];

        public Memory<float> RenormMeanOut { get; set; } = new float[4];

        public Memory<float> RenormStddevOut { get; set; } = new float[4];

        /// <summary>Replaces the named buffer (a weight, or a destination when the name ends in " destination").</summary>
        public Buffers With(string name, float[] buffer)
        {
            switch (name)
            {
                case "moving_stddev": MovingStddev = buffer; break;
                case "renorm_mean": RenormMean = buffer; break;
                case "renorm_stddev": RenormStddev = buffer; break;
                case "moving_stddev destination": MovingStddevOut = buffer; break;
                case "renorm_mean destination": RenormMeanOut = buffer; break;
                case "renorm_stddev destination": RenormStddevOut = buffer; break;
                default: throw new ArgumentException($"no buffer {name}", nameof(name));
            }

            return this;
        }

        /// <summary>Empties the six renorm buffers, as for a layer without renorm.</summary>
        public Buffers WithoutRenorm()
        {
            MovingStddev = RenormMean = RenormStddev = MovingStddevOut = RenormMeanOut = RenormStddevOut = Memory<float>.Empty;
            return this;
        }

        public void Forward(IBatchNormalization implementation, BatchNormOptions options) =>
            implementation.Forward<float>(
                s_layout,
                options,
                training: true,
                X,
                Weights(),
                new ForwardDestinations<float>(Y, MovingMeanOut.Span, MovingVarianceOut.Span, movingStddev: MovingStddevOut.Span, renormMean: RenormMeanOut.Span, renormStddev: RenormStddevOut.Span));

        public void Backward(IBatchNormalization implementation, BatchNormOptions options) =>
            implementation.Backward<float>(s_layout, options, training: true, X, new float[40], Weights(), new BackwardDestinations<float>(new float[40], new float[4], new float[4]));

        private BatchNormWeights<float> Weights() =>
            new(Gamma.Span, Beta.Span, MovingMean.Span, MovingVariance.Span, MovingStddev.Span, RenormMean.Span, RenormStddev.Span);
    }
}
