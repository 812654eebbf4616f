namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// Regression tests for statements the docs once got wrong (issue 14): each checks the fact with the library or
/// pins the corrected wording, so the old statement cannot come back unnoticed.
/// </summary>
public class DocsCorrectionsTests
{
    /// <summary>A batch of one with axis=-1 leaves one value per channel on rank 2 only; on (1, H, W, C) it is H·W.</summary>
    [Theory]
    [InlineData(new[] { 1, 3 }, 1)]
    [InlineData(new[] { 1, 5, 3 }, 5)]
    [InlineData(new[] { 1, 2, 2, 3 }, 4)]
    public void BatchOfOne_WithTheLastAxis_HasOneValuePerChannelOnlyOnRank2(int[] shape, int valuesPerChannel)
    {
        Assert.Equal(valuesPerChannel, AxisResolution.Resolve(shape, AxisSpec.Of(-1)).ReductionCount);
        Assert.Contains("a batch of one with `axis=-1` on a rank-2 input", DocsPages.Read("numerical-pitfalls.md"), StringComparison.Ordinal);
    }

    /// <summary>
    /// BatchNormalization(axis=0) reduces every non-batch axis; LayerNormalization(axis=-1) reduces the last one only.
    /// They agree on rank 2 and differ from rank 3 on.
    /// </summary>
    [Theory]
    [InlineData(new[] { 3, 2 }, true)]
    [InlineData(new[] { 2, 2, 2 }, false)]
    [InlineData(new[] { 2, 4, 4, 3 }, false)]
    public void AxisZero_ReducesWhatLayerNormOfTheLastAxisReduces_OnlyOnRank2(int[] shape, bool same)
    {
        int[] layerNormReduced = [shape.Length - 1];
        int[] batchNormReduced = [.. AxisResolution.Resolve(shape, AxisSpec.Of(0)).ReductionAxes];
        Assert.Equal(same, batchNormReduced.SequenceEqual(layerNormReduced));

        string page = DocsPages.Read("walkthroughs.md");
        Assert.Contains("On a rank-2 input\n`(N, F)` these are the statistics `LayerNormalization(axis=-1)` computes", page, StringComparison.Ordinal);
    }

    /// <summary>
    /// PyTorch's momentum weighs the new value: momentum=1 stores the unbiased 1.6667 (measured with PyTorch 1.13),
    /// momentum=0 leaves running_var at 1. The page must not say PyTorch stores the same at Keras' momentum 0.
    /// </summary>
    [Fact]
    public void Keras2VsKeras3_StatesPyTorchsMomentumCorrectly()
    {
        string page = DocsPages.Read("keras2-vs-keras3.md");
        Assert.DoesNotContain("PyTorch stores the same", page, StringComparison.Ordinal);
        Assert.Contains("(PyTorch with momentum=1)", page, StringComparison.Ordinal);
        Assert.Contains("PyTorch's `momentum=0` is Keras' `momentum=1`", page, StringComparison.Ordinal);
    }

    /// <summary>One name per shape: "parameter shape" (kept dimensions) and "broadcast shape" (full rank, 1s).</summary>
    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/reference.md")]
    [InlineData("docs/walkthroughs.md")]
    public void ShapeNames_AreParameterShapeAndBroadcastShapeOnly(string file)
    {
        string text = File.ReadAllText(Path.Combine(Path.GetDirectoryName(DocsPages.Directory)!, file));
        foreach (string retired in new[] { "weight shape", "weights have shape", "compact" })
        {
            Assert.DoesNotContain(retired, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("parameter shape", text, StringComparison.Ordinal);
        Assert.Contains("broadcast shape", text, StringComparison.Ordinal);
    }

    /// <summary>porting.md, modes.md and keras2-vs-keras3.md spell the moving update the same two ways.</summary>
    [Theory]
    [InlineData("porting.md")]
    [InlineData("modes.md")]
    [InlineData("keras2-vs-keras3.md")]
    public void MovingUpdate_IsSpelledTheSameOnBothPages(string page)
    {
        string text = DocsPages.Read(page).Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains("moving * momentum + batch * (1 - momentum)", text, StringComparison.Ordinal);
        Assert.Contains("moving - (moving - batch) * (1 - momentum)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("moving -=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TF.js:  moving  = moving * momentum", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The two spellings are one formula. Each rounds at most three times, every intermediate bounded by
    /// max(|moving|, |batch|), so they differ by at most 4 units of 2^-53 of that bound; 0 and 1 are exact.
    /// </summary>
    [Theory]
    [InlineData(0.99, 1.0, 1.25)]
    [InlineData(0.9, 0.0, 2.5)]
    [InlineData(0.0, 7.0, -3.0)]
    [InlineData(1.0, 7.0, -3.0)]
    public void MovingUpdate_TheTwoSpellingsAgree(double momentum, double moving, double batch)
    {
        double keras3 = (moving * momentum) + (batch * (1 - momentum));
        double tfjs = moving - ((moving - batch) * (1 - momentum));
        double bound = 4 * Math.ScaleB(1, -53) * Math.Max(Math.Abs(moving), Math.Abs(batch));
        Assert.True(Math.Abs(keras3 - tfjs) <= bound, $"{keras3} vs {tfjs}: differ by more than {bound}");
    }

    /// <summary>compatibility.md lists the TF.js WASM backend as not run; porting.md must not claim it was verified.</summary>
    [Fact]
    public void Porting_DoesNotClaimTheTfjsWasmBackendWasVerified()
    {
        Assert.Matches(@"WASM backend[^|]*\|[^|]*\bnot run\b", DocsPages.Read("compatibility.md"));
        string porting = DocsPages.Read("porting.md").Replace("\n", " ", StringComparison.Ordinal);
        Assert.DoesNotContain("CPU and WASM backends", porting, StringComparison.Ordinal);
        Assert.Contains("the WASM backend is not run", porting, StringComparison.Ordinal);
    }
}
