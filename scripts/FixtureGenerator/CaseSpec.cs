namespace BatchNormAxis.FixtureGenerator;

/// <summary>How a case's input data is made.</summary>
internal enum DataPattern
{
    /// <summary>Roughly standard normal, shifted and scaled.</summary>
    Normal,

    /// <summary>Mean 1000 with a spread near 0.125 (1e8 in float64): breaks E[x²] - E[x]², not the two-pass variance.</summary>
    LargeOffset,

    /// <summary>Channel 0 holds one value repeated: variance 0.</summary>
    ConstantChannel,

    /// <summary>One NaN in channel 0.</summary>
    NaN,

    /// <summary>+inf in channel 0, -inf in channel 1.</summary>
    Infinity,

    /// <summary>Channel 0 is a mix of +0 and -0.</summary>
    SignedZero,

    /// <summary>Magnitudes near 1e-20: squares fall below float32's normal range.</summary>
    Tiny,

    /// <summary>Magnitudes near 1e17: squares near 1e34, close to float32's limit.</summary>
    Huge,
}

/// <summary>One case to generate: everything that decides its inputs and expected outputs.</summary>
internal sealed record CaseSpec
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public required FixtureKind Kind { get; init; }

    public FixtureDType DType { get; init; } = FixtureDType.Float32;

    public required int[] Shape { get; init; }

    public required AxisSpec Axis { get; init; }

    public BatchNormOptions Options { get; init; } = BatchNormOptions.Default;

    public bool Training { get; init; } = true;

    public DataPattern Pattern { get; init; } = DataPattern.Normal;

    /// <summary>Cases with the same key get the same inputs (one keep-set spelled several ways). Defaults to the id.</summary>
    public string? DataKey { get; init; }

    /// <summary>A Keras 3 mask over the input shape without its last axis.</summary>
    public bool Masked { get; init; }

    /// <summary>With <see cref="Masked"/>: every position masked out.</summary>
    public bool FullyMasked { get; init; }

    /// <summary>For a sequence: the number of training calls, followed by one inference call.</summary>
    public int TrainingSteps { get; init; }

    /// <summary>With renorm: every clip bound set must clip some channels but not all in the first training call (checked).</summary>
    public bool ClippingMustBite { get; init; }

    /// <summary>With renorm: renorm_stddev below sqrt(epsilon) in channels 0 (zero) and 1, so the floor decides r and d there.</summary>
    public bool RenormStddevBelowFloor { get; init; }

    /// <summary>For an invalid case: the error category a conforming implementation reports.</summary>
    public string? ExpectedError { get; init; }

    /// <summary>For an invalid case: a gamma of this (wrong) shape.</summary>
    public int[]? GammaShape { get; init; }

    /// <summary>For an invalid case: a mask of this (wrong) shape.</summary>
    public int[]? MaskShape { get; init; }

    /// <summary>The folder under cases/: the id's first segment.</summary>
    public string Family => Id.Split('.')[0];

    public string RelativePath => $"cases/{Family}/{Id}.json";
}
