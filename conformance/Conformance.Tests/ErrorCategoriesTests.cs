using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>The categories fixtures may name stay those of suite format 1 as the library grows new ones.</summary>
public class ErrorCategoriesTests
{
    [Fact]
    public void FixtureCategories_AreTheTwelveOfTheFormat()
    {
        // docs/fixtures.md lists these; the built-in schema of invalid cases enumerates them.
        Assert.Equal(
            ["axis_out_of_range", "duplicate_axis", "empty_axis_list", "rank_zero", "negative_dimension", "zero_sized_dimension", "element_count_overflow", "parameter_shape_mismatch", "mask_shape_mismatch", "buffer_length_mismatch", "overlapping_buffers", "invalid_hyperparameter"],
            ErrorCategories.All);
    }

    [Fact]
    public void RankTooLarge_HasANameButIsNoFixtureCategory()
    {
        Assert.Equal("rank_too_large", ErrorCategories.Name(BatchNormErrorCategory.RankTooLarge));
        Assert.DoesNotContain("rank_too_large", ErrorCategories.All);
    }

    [Theory]
    [InlineData(FixtureKind.Forward)]
    [InlineData(FixtureKind.Invalid)]
    public void TheInProcessExecutor_RejectsRank65AsRankTooLarge(FixtureKind kind)
    {
        // What `bnaxis serve` and the in-process driver answer for a case of rank 65: a rejection, not a crash.
        var fixture = new FixtureCase
        {
            Id = "rank.65",
            Kind = kind,
            Title = "rank 65",
            DType = FixtureDType.Float32,
            Shape = [.. Enumerable.Repeat(1, 65)],
            Axis = AxisSpec.Default,
            KeptAxes = [64],
            Options = BatchNormOptions.Default,
            Training = true,
            Capabilities = [],
            Inputs = ImmutableSortedDictionary<string, FixtureTensor>.Empty,
        };

        CaseResponse response = CaseExecutor.Execute(fixture, FastBatchNorm.Instance);

        Assert.Equal(ResponseKind.Rejected, response.Kind);
        Assert.Equal("rank_too_large", response.Category);
    }
}
