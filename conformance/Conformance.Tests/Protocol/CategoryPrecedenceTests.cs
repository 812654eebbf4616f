using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// Which category an invalid input gets when several apply (docs/protocol.md, "Invalid cases"; issue 13 found it
/// unspecified, with <c>[r, r]</c> answered axis_out_of_range): the order of the docs' table, which is the order the
/// reference checks in. Every invalid case of the suite expects the first category that applies to it.
/// </summary>
public partial class CategoryPrecedenceTests
{
    /// <summary>The precedence, first wins, as docs/protocol.md states it.</summary>
    private static readonly string[] s_order = ["rank_zero", "empty_axis_list", "axis_out_of_range", "duplicate_axis", "parameter_shape_mismatch", "mask_shape_mismatch"];

    private static readonly string[] s_parameters = ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"];

    public static TheoryData<string> InvalidCases => [.. FixtureLocation.Set.Manifest.Cases.Where(c => c.Kind == FixtureKind.Invalid).Select(c => c.Id)];

    [Fact]
    public void TheDocsTable_ListsTheCategoriesInPrecedenceOrder()
    {
        string page = RepositoryFiles.Text("docs", "protocol.md");
        string section = page[page.IndexOf("### Invalid cases", StringComparison.Ordinal)..page.IndexOf("### Error reply", StringComparison.Ordinal)];

        Assert.Equal(s_order, TableCategory().Matches(section).Select(m => m.Groups[1].Value));
        Assert.Contains("the first in this table wins", section, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void EveryInvalidCase_ExpectsTheFirstCategoryThatApplies_AndTheReferenceAgrees(string id)
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(id);
        List<string> applicable = Applicable(fixture);

        Assert.NotEmpty(applicable);
        Assert.Equal(applicable[0], fixture.ExpectedError);
        Assert.Equal(fixture.ExpectedError, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance).Category);
    }

    public static TheoryData<int[], int[], string?, string> Combinations => new()
    {
        // [r, r] on rank r: out of range and a duplicate; every entry's range comes first.
        { [2, 3, 4, 5], [4, 4], null, "axis_out_of_range" },
        { [2, 3], [2, 2], null, "axis_out_of_range" },
        // A duplicate listed before an out-of-range entry: still the range.
        { [2, 3, 4], [1, 1, 9], null, "axis_out_of_range" },
        { [2, 3, 4], [1, -2], null, "duplicate_axis" },
        // A wrong gamma with an axis that does not resolve: the axis.
        { [2, 3, 4], [5], "gamma", "axis_out_of_range" },
        { [2, 3, 4], [1, 1], "gamma", "duplicate_axis" },
        { [2, 3, 4], [], "gamma", "empty_axis_list" },
        // A wrong gamma and a wrong mask: the weights come first.
        { [2, 3, 4], [2], "gamma+mask", "parameter_shape_mismatch" },
        { [2, 3, 4], [2], "mask", "mask_shape_mismatch" },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void SeveralFaultsAtOnce_GetTheFirstCategoryThatApplies(int[] shape, int[] axis, string? wrong, string expected)
    {
        FixtureCase fixture = Invalid(shape, AxisSpec.List(axis), wrong);

        Assert.Equal(expected, Applicable(fixture)[0]);
        Assert.Equal(expected, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance).Category);
    }

    [Fact]
    public void RankZeroWithAnEmptyAxisList_IsRankZero()
    {
        FixtureCase fixture = Invalid([], AxisSpec.List(), null);

        Assert.Equal(["rank_zero", "empty_axis_list"], Applicable(fixture));
        Assert.Equal("rank_zero", CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance).Category);
    }

    /// <summary>Every category that applies to a case, in the documented order, from the rules of docs/protocol.md (not from the reference).</summary>
    private static List<string> Applicable(FixtureCase fixture)
    {
        int rank = fixture.Shape.Length;
        ImmutableArray<int> axes = fixture.Axis.Values;
        bool inRange = axes.All(a => a >= -rank && a < rank);
        int[] resolved = [.. axes.Select(a => a < 0 ? a + rank : a)];
        var applicable = new HashSet<string>(StringComparer.Ordinal);
        if (rank == 0)
        {
            applicable.Add("rank_zero");
        }

        if (axes.IsEmpty)
        {
            applicable.Add("empty_axis_list");
        }

        if (!inRange)
        {
            applicable.Add("axis_out_of_range");
        }

        if (resolved.Distinct().Count() != resolved.Length)
        {
            applicable.Add("duplicate_axis");
        }

        if (rank > 0 && !axes.IsEmpty && inRange)
        {
            int[] kept = [.. resolved.Distinct().Order()];
            int[] compact = [.. kept.Select(a => fixture.Shape[a])];
            int[] broadcast = [.. Enumerable.Range(0, rank).Select(a => kept.Contains(a) ? fixture.Shape[a] : 1)];
            if (s_parameters.Any(p => fixture.Inputs.TryGetValue(p, out FixtureTensor? t) && !t.Shape.SequenceEqual(compact) && !t.Shape.SequenceEqual(broadcast)))
            {
                applicable.Add("parameter_shape_mismatch");
            }
        }

        if (rank > 0 && fixture.Inputs.TryGetValue("mask", out FixtureTensor? mask) && !mask.Shape.SequenceEqual(fixture.Shape[..^1]))
        {
            applicable.Add("mask_shape_mismatch");
        }

        return [.. s_order.Where(applicable.Contains)];
    }

    /// <summary>An invalid float32 case: x of <paramref name="shape"/>, and a gamma of 7 values and/or a mask of the input's full shape when named wrong.</summary>
    private static FixtureCase Invalid(int[] shape, AxisSpec axis, string? wrong)
    {
        FixtureCase template = FixtureLocation.Set.ReadCase(FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Invalid && c.Shape.Length > 0).Id);
        int count = shape.Aggregate(1, (p, d) => p * d);
        var inputs = ImmutableSortedDictionary.CreateBuilder<string, FixtureTensor>(StringComparer.Ordinal);
        inputs["x"] = new FixtureTensor(FixtureDType.Float32, [.. shape], new double[count]);
        if (wrong?.Contains("gamma", StringComparison.Ordinal) == true)
        {
            inputs["gamma"] = new FixtureTensor(FixtureDType.Float32, [7], new double[7]);
        }

        if (wrong?.Contains("mask", StringComparison.Ordinal) == true)
        {
            inputs["mask"] = new FixtureTensor(FixtureDType.Bool, [.. shape], new double[count]);
        }

        return template with { Shape = [.. shape], Axis = axis, Inputs = inputs.ToImmutable(), KeptAxes = [] };
    }

    [GeneratedRegex(@"^\| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableCategory();
}
