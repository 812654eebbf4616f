using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The bridge from a renorm case to the implementations: <see cref="CaseExecutor"/> feeds <c>moving_stddev</c>,
/// <c>renorm_mean</c> and <c>renorm_stddev</c> when the layer renormalizes and returns them (per step for a sequence)
/// besides y and the moving statistics; the built-in implementations declare the capability <c>renorm</c>. The cases are
/// built here, not read from fixtures/ (the renorm tier and its JSON reader are another part of the work).
/// </summary>
/// <remarks>
/// The example, computed by hand from Keras 3.15.1's formulas (<c>keras/src/layers/normalization/batch_normalization.py</c>
/// lines 476-586): shape (2, 2), axis -1, epsilon 9/16 (sqrt 3/4), momentum 3/4, renorm momentum 1/2. Channel 0 holds
/// [1, 3] (mean 2, stddev sqrt(1 + 9/16) = 5/4), channel 1 [-25/16, -7/16] (mean -1, stddev sqrt(81/256 + 9/16) = 15/16).
/// Renorm mean [0, 1/2] and renorm stddev [1, 1/4] (floored to 3/4) give r = [5/4, 5/4], d = [2, -2]. Every expected
/// value is a short binary fraction, exact in every dtype used; the implementations compute in double (the reference)
/// or route renorm training to it (the fast one), so they return it exactly (docs of <see cref="ScalarBatchNorm"/>).
/// </remarks>
public class RenormExecutionTests
{
    private static readonly ImmutableArray<int> s_shape = [2, 2];
    private static readonly double[] s_x = [1, -1.5625, 3, -0.4375];

    public static TheoryData<string, FixtureDType> ImplementationsAndDTypes()
    {
        var data = new TheoryData<string, FixtureDType>();
        foreach (string implementation in new[] { "scalar", "fast" })
        {
            foreach (FixtureDType dtype in new[] { FixtureDType.Float32, FixtureDType.Float64, FixtureDType.Float16, FixtureDType.BFloat16 })
            {
                data.Add(implementation, dtype);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ImplementationsAndDTypes))]
    public void ForwardCase_FeedsAndReturnsTheRenormStatistics(string implementation, FixtureDType dtype)
    {
        FixtureCase fixture = Case(FixtureKind.Forward, dtype, training: true);

        CaseResponse response = CaseExecutor.Execute(fixture, Implementation(implementation));

        Assert.Equal(ResponseKind.Outputs, response.Kind);
        Assert.Equal(["moving_mean", "moving_stddev", "moving_variance", "renorm_mean", "renorm_stddev", "y"], response.Outputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([3, -2.375, 7, -1.625], response.Outputs["y"]);
        Assert.Equal([0.5, -0.25], response.Outputs["moving_mean"]);                  // 0 * 3/4 + [2, -1] / 4
        Assert.Equal([1.0625, 0.984375], response.Outputs["moving_stddev"]);          // 3/4 + [5/4, 15/16] / 4
        double[] movingVariance = [0.56640625, 0.406494140625]; // moving_stddev² - 9/16; the second has 11 significant bits
        Assert.Equal(movingVariance.Select(v => DTypes.Round(dtype, v)), response.Outputs["moving_variance"]);
        Assert.Equal([1, -0.25], response.Outputs["renorm_mean"]);                    // [0, 1/2] / 2 + [2, -1] / 2
        Assert.Equal([1.125, 0.59375], response.Outputs["renorm_stddev"]);            // [1, 1/4] / 2 + [5/4, 15/16] / 2
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("fast")]
    public void MovingVariance_IsDerivedExactly_InFloat64(string implementation)
    {
        CaseResponse response = CaseExecutor.Execute(Case(FixtureKind.Forward, FixtureDType.Float64, training: true), Implementation(implementation));

        Assert.Equal([(1.0625 * 1.0625) - 0.5625, (0.984375 * 0.984375) - 0.5625], response.Outputs["moving_variance"]); // 0.56640625, 0.406494140625
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("fast")]
    public void SequenceCase_CarriesTheRenormStatisticsFromStepToStep(string implementation)
    {
        FixtureCase fixture = Case(FixtureKind.Sequence, FixtureDType.Float64, training: true) with
        {
            Steps = [Step(training: true), Step(training: true), Step(training: false)],
        };

        CaseResponse response = CaseExecutor.Execute(fixture, Implementation(implementation));

        Assert.Equal(ResponseKind.Outputs, response.Kind);
        Assert.Equal(18, response.Outputs.Count); // six outputs per step
        Assert.Equal([1, -0.25], response.Outputs["steps[0].renorm_mean"]);

        // Step 1 uses what step 0 left: renorm mean [1, -1/4], renorm stddev [9/8, 19/32] (channel 1 floored to 3/4), so
        // r = [10/9, 5/4], d = [8/9, -1] and y = [1, -1.875, 41/9, -1.125].
        Assert.Equal([1, -1.875, 41.0 / 9, -1.125], response.Outputs["steps[1].y"], new ToleranceComparer(1e-14));
        Assert.Equal([1.5, -0.625], response.Outputs["steps[1].renorm_mean"]);
        Assert.Equal([1.1875, 0.765625], response.Outputs["steps[1].renorm_stddev"]);
        Assert.Equal([1.109375, 0.97265625], response.Outputs["steps[1].moving_stddev"]);

        // Step 2 is inference: every statistic is carried over unchanged.
        foreach (string name in new[] { "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev" })
        {
            Assert.Equal(response.Outputs[$"steps[1].{name}"], response.Outputs[$"steps[2].{name}"]);
        }
    }

    [Theory]
    [InlineData("scalar", FixtureDType.Float32)]
    [InlineData("fast", FixtureDType.Float32)]
    [InlineData("fast", FixtureDType.Float64)]
    public void BackwardCase_PassesTheRenormStatistics(string implementation, FixtureDType dtype)
    {
        // dy = [1, -1, 2, 1]: dx = [-0.36, -0.64 * 2/3, 0.36, 0.64 * 2/3], dgamma = sum(dy * (r * xhat + d)) = [7, 3/2],
        // dbeta = [3, 0] (worked out in reference/BatchNormAxis.Tests/RenormTests.cs). Without the renorm statistics r = 1
        // and d = 0, and dgamma would be [1.6, -1.2].
        FixtureCase fixture = Case(FixtureKind.Backward, dtype, training: true);
        fixture = fixture with { Inputs = fixture.Inputs.Add("dy", Tensor(dtype, [2, 2], [1, -1, 2, 1])) };

        CaseResponse response = CaseExecutor.Execute(fixture, Implementation(implementation));

        Assert.Equal(ResponseKind.Outputs, response.Kind);
        Assert.Equal([7, 1.5], response.Outputs["dgamma"]);
        Assert.Equal([3, 0], response.Outputs["dbeta"]);
        double tolerance = dtype == FixtureDType.Float64 ? 1e-14 : 1e-7; // 0.36 and 0.4266... are not float32 values
        Assert.Equal([-0.36, -0.64 * 2 / 3, 0.36, 0.64 * 2 / 3], response.Outputs["dx"], new ToleranceComparer(tolerance));
    }

    [Fact]
    public void CaseWithoutRenorm_ReturnsNoRenormOutputs_AndIgnoresNothingItNeeds()
    {
        FixtureCase fixture = Case(FixtureKind.Forward, FixtureDType.Float32, training: true) with { Options = BatchNormOptions.Default };
        fixture = fixture with { Inputs = fixture.Inputs.Remove("moving_stddev").Remove("renorm_mean").Remove("renorm_stddev") };

        CaseResponse response = CaseExecutor.Execute(fixture, FastBatchNorm.Instance);

        Assert.Equal(["moving_mean", "moving_variance", "y"], response.Outputs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RenormCaseWithoutItsStatistics_IsRejectedNamingTheMissingOne()
    {
        FixtureCase fixture = Case(FixtureKind.Forward, FixtureDType.Float32, training: true);
        fixture = fixture with { Inputs = fixture.Inputs.Remove("renorm_mean") };

        CaseResponse response = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);

        Assert.Equal(ResponseKind.Rejected, response.Kind);
        Assert.Equal("parameter_shape_mismatch", response.Category);
        Assert.StartsWith("renorm_mean has 0 elements", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidRenormCase_WithAWronglyShapedRenormStatistic_IsRejectedAsAParameterShapeMismatch()
    {
        FixtureCase fixture = Case(FixtureKind.Invalid, FixtureDType.Float32, training: true);
        fixture = fixture with { Inputs = fixture.Inputs.SetItem("renorm_stddev", Tensor(FixtureDType.Float32, [3], [1, 1, 1])) };

        CaseResponse response = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);

        Assert.Equal(ResponseKind.Rejected, response.Kind);
        Assert.Equal("parameter_shape_mismatch", response.Category);
        Assert.Contains("renorm_stddev", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltInImplementations_DeclareRenorm_InProcessAndThroughServe()
    {
        Assert.Contains("renorm", new InProcessDriver(FastBatchNorm.Instance).Capabilities.Features);

        using var output = new StringWriter();
        new ProtocolServer(ScalarBatchNorm.Instance).Serve(new MemoryStream(Encoding.UTF8.GetBytes(ProtocolMessages.Start() + "\n")), output);
        using JsonDocument reply = JsonDocument.Parse(output.ToString());
        string?[] features = [.. reply.RootElement.GetProperty("capabilities").GetProperty("features").EnumerateArray().Select(f => f.GetString())];
        Assert.Contains("renorm", features);
    }

    [Fact]
    public void HarnessWithoutRenorm_IsNotSentARenormCase()
    {
        var entry = new ManifestEntry(
            "renorm.r2.k1.train.f32", "cases/renorm/renorm.r2.k1.train.f32.json", "", FixtureKind.Forward, "training", FixtureDType.Float32,
            s_shape, AxisSpec.Default, [1], ["training", "renorm"], null);
        var withoutRenorm = new HarnessCapabilities("h", "1", "C", ["float32"], [2], ["training", "inference", "frozen"]);

        Assert.Equal("renorm", withoutRenorm.MissingFor(entry));
        Assert.Null(HarnessCapabilities.BuiltIn("scalar").MissingFor(entry));
    }

    private static IBatchNormalization Implementation(string name) => name == "fast" ? new FastBatchNorm(threads: 2) : ScalarBatchNorm.Instance;

    private static FixtureCase Case(FixtureKind kind, FixtureDType dtype, bool training) => new()
    {
        Id = $"renorm.r2.k1.{kind}.test",
        Kind = kind,
        Title = "renorm example",
        DType = dtype,
        Shape = s_shape,
        Axis = AxisSpec.Default,
        KeptAxes = [1],
        Options = new BatchNormOptions { Epsilon = 0.5625, Momentum = 0.75, Renorm = new RenormOptions { Momentum = 0.5 } },
        Training = training,
        Capabilities = ["training", "renorm"],
        Inputs = new Dictionary<string, FixtureTensor>
        {
            ["x"] = Tensor(dtype, s_shape, s_x),
            ["gamma"] = Tensor(dtype, [2], [2, 0.5]),
            ["beta"] = Tensor(dtype, [2], [1, -1]),
            ["moving_mean"] = Tensor(dtype, [2], [0, 0]),
            ["moving_variance"] = Tensor(dtype, [2], [7, 7]), // never read in a renorm training call
            ["moving_stddev"] = Tensor(dtype, [2], [1, 1]),
            ["renorm_mean"] = Tensor(dtype, [2], [0, 0.5]),
            ["renorm_stddev"] = Tensor(dtype, [2], [1, 0.25]),
        }.ToImmutableSortedDictionary(StringComparer.Ordinal),
    };

    private static FixtureStep Step(bool training) =>
        new(training, Tensor(FixtureDType.Float64, s_shape, s_x), ImmutableSortedDictionary<string, ExpectedTensor>.Empty);

    private static FixtureTensor Tensor(FixtureDType dtype, ImmutableArray<int> shape, double[] values) => new(dtype, shape, values);

    /// <summary>Equal within an absolute tolerance.</summary>
    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
