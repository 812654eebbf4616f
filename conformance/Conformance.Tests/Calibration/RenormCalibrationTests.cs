namespace BatchNormAxis.Conformance.Tests.Calibration;

/// <summary>A way to get batch renormalization wrong, or none.</summary>
public enum RenormMistake
{
    /// <summary>Keras' renormalization.</summary>
    None,

    /// <summary>r and d from the renorm statistics after this call's update instead of before it.</summary>
    StatisticsAfterUpdate,

    /// <summary>sigma = renorm_stddev, without Keras' max(., sqrt(epsilon)) floor.</summary>
    NoFloor,

    /// <summary>renorm_clipping ignored.</summary>
    NoClipping,

    /// <summary>The moving variance updated as a moving average of batch variances, not derived from the moving stddev.</summary>
    MovingVarianceAveraged,

    /// <summary>renorm ignored: plain batch normalization (and the renorm statistics left as they were).</summary>
    NoRenorm,
}

/// <summary>
/// The renorm tier separates Keras' renormalization from its likely mistakes, with the tolerances the renorm error
/// model gives: a float32 renormalization computed here straight from each case's inputs (not through an
/// implementation, so it runs whatever the built-in implementations support) passes every float32 renorm training
/// case within half its tolerance, and each mistake fails every case that can tell it apart.
/// </summary>
public class RenormCalibrationTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<FixtureCase>> s_cases = new(() =>
        [.. FixtureLocation.Set.Manifest.Cases
            .Where(e => e.Capabilities.Contains("renorm") && e.Kind == FixtureKind.Forward && e.Mode == "training" && e.DType == FixtureDType.Float32 && !e.Capabilities.Contains("mask"))
            .Select(e => FixtureLocation.Set.ReadCase(e.Id))]);

    /// <summary>Each mistake with the cases it must fail.</summary>
    private static readonly Dictionary<RenormMistake, Func<FixtureCase, bool>> s_families = new()
    {
        [RenormMistake.StatisticsAfterUpdate] = _ => true,
        [RenormMistake.NoFloor] = c => c.Inputs["renorm_stddev"].Values.Any(s => s < Math.Sqrt(c.Options.Epsilon)),
        [RenormMistake.NoClipping] = c => c.Options.Renorm is { } r && (r.RMin ?? r.RMax ?? r.DMax) is not null,
        [RenormMistake.MovingVarianceAveraged] = _ => true,
        [RenormMistake.NoRenorm] = _ => true,
    };

    public static TheoryData<RenormMistake> Mistakes => [.. s_families.Keys];

    [Fact]
    public void Float32Renormalization_PassesEveryFloat32RenormTrainingCase_WithAHalfMargin()
    {
        List<CaseResult> results = [.. s_cases.Value.Select(c => CaseGrader.Grade(c, CaseResponse.WithOutputs(Renormalize(c, RenormMistake.None))))];
        (string id, double ratio) = results.SelectMany(r => r.Outputs.Select(o => (r.Id, o.WorstRatio))).MaxBy(x => x.WorstRatio);
        output.WriteLine($"float32 renormalization: {results.Count(r => r.Verdict == CaseVerdict.Passed)}/{results.Count} cases pass; largest error/tolerance {ratio:F3} ({id})");

        Assert.True(results.Count >= 15, $"only {results.Count} float32 renorm training cases");
        Assert.All(results, r => Assert.True(r.Verdict == CaseVerdict.Passed, $"{r.Id}: {r.Message}"));
        Assert.True(ratio <= 0.5, $"uses {ratio:F2} of its tolerance on {id}: less than a 2x margin");
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void RenormMistake_FailsEveryCaseThatCanTellItApart(RenormMistake mistake)
    {
        List<FixtureCase> family = [.. s_cases.Value.Where(s_families[mistake])];
        List<string> passing = [.. family.Where(c => CaseGrader.Grade(c, CaseResponse.WithOutputs(Renormalize(c, mistake))).Verdict == CaseVerdict.Passed).Select(c => c.Id)];
        output.WriteLine($"{mistake}: fails {family.Count - passing.Count}/{family.Count} of its family");

        Assert.NotEmpty(family);
        Assert.True(passing.Count == 0, $"{mistake} passes {string.Join(", ", passing)}");
    }

    /// <summary>One training call of a renormalizing layer in float32, as Keras computes it, with one mistake or none.</summary>
    private static Dictionary<string, double[]> Renormalize(FixtureCase fixture, RenormMistake mistake)
    {
        AxisResolution layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
        int channels = layout.ChannelCount;
        int[] channelOf = layout.ChannelOfEachElement();
        float[] x = Floats(fixture, "x");
        float[] gamma = fixture.Options.Scale ? Floats(fixture, "gamma") : [.. Enumerable.Repeat(1f, channels)];
        float[] beta = fixture.Options.Center ? Floats(fixture, "beta") : new float[channels];
        (float[] movingMean, float[] movingVariance, float[] movingStddev) = (Floats(fixture, "moving_mean"), Floats(fixture, "moving_variance"), Floats(fixture, "moving_stddev"));
        (float[] renormMean, float[] renormStddev) = (Floats(fixture, "renorm_mean"), Floats(fixture, "renorm_stddev"));
        RenormOptions options = fixture.Options.Renorm!;
        float epsilon = (float)fixture.Options.Epsilon;
        float momentum = (float)fixture.Options.Momentum;
        float renormMomentum = (float)options.Momentum;

        // Two-pass float32 moments in element order.
        float[] mean = new float[channels];
        float[] variance = new float[channels];
        float[] count = new float[channels];
        for (int i = 0; i < x.Length; i++)
        {
            mean[channelOf[i]] += x[i];
            count[channelOf[i]]++;
        }

        for (int c = 0; c < channels; c++)
        {
            mean[c] /= count[c];
        }

        for (int i = 0; i < x.Length; i++)
        {
            variance[channelOf[i]] += (x[i] - mean[channelOf[i]]) * (x[i] - mean[channelOf[i]]);
        }

        float[] stddev = new float[channels];
        float[] r = new float[channels];
        float[] d = new float[channels];
        float[] newRenormMean = new float[channels];
        float[] newRenormStddev = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            variance[c] /= count[c];
            stddev[c] = MathF.Sqrt(variance[c] + epsilon);
            newRenormMean[c] = (renormMean[c] * renormMomentum) + (mean[c] * (1 - renormMomentum));
            newRenormStddev[c] = (renormStddev[c] * renormMomentum) + (stddev[c] * (1 - renormMomentum));
            (float usedMean, float usedStddev) = mistake == RenormMistake.StatisticsAfterUpdate ? (newRenormMean[c], newRenormStddev[c]) : (renormMean[c], renormStddev[c]);
            float sigma = mistake == RenormMistake.NoFloor ? usedStddev : MathF.Max(usedStddev, MathF.Sqrt(epsilon));
            (r[c], d[c]) = mistake == RenormMistake.NoRenorm ? (1f, 0f) : (stddev[c] / sigma, (mean[c] - usedMean) / sigma);
            if (mistake is not (RenormMistake.NoClipping or RenormMistake.NoRenorm))
            {
                r[c] = MathF.Min(MathF.Max(r[c], (float)(options.RMin ?? double.NegativeInfinity)), (float)(options.RMax ?? double.PositiveInfinity));
                d[c] = Math.Clamp(d[c], (float)-(options.DMax ?? double.PositiveInfinity), (float)(options.DMax ?? double.PositiveInfinity));
            }
        }

        double[] y = [.. x.Select((value, i) => (double)((((value - mean[channelOf[i]]) / stddev[channelOf[i]]) * (r[channelOf[i]] * gamma[channelOf[i]])) + ((d[channelOf[i]] * gamma[channelOf[i]]) + beta[channelOf[i]])))];
        float[] newMovingStddev = [.. movingStddev.Select((s, c) => (s * momentum) + (stddev[c] * (1 - momentum)))];
        float[] newMovingVariance = mistake is RenormMistake.MovingVarianceAveraged or RenormMistake.NoRenorm
            ? [.. movingVariance.Select((v, c) => (v * momentum) + (variance[c] * (1 - momentum)))]
            : [.. newMovingStddev.Select(s => MathF.Max((s * s) - epsilon, 0))];
        bool untouched = mistake == RenormMistake.NoRenorm;
        return new Dictionary<string, double[]>(StringComparer.Ordinal)
        {
            ["y"] = y,
            ["moving_mean"] = Wide([.. movingMean.Select((m, c) => (m * momentum) + (mean[c] * (1 - momentum)))]),
            ["moving_variance"] = Wide(newMovingVariance),
            ["moving_stddev"] = Wide(untouched ? movingStddev : newMovingStddev),
            ["renorm_mean"] = Wide(untouched ? renormMean : newRenormMean),
            ["renorm_stddev"] = Wide(untouched ? renormStddev : newRenormStddev),
        };
    }

    private static float[] Floats(FixtureCase fixture, string name) => [.. fixture.Inputs[name].Values.Select(v => (float)v)];

    private static double[] Wide(float[] values) => [.. values.Select(v => (double)v)];
}
