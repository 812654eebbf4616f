using System.Text;

namespace BatchNormAxis.Conformance;

/// <summary>The snake_case names fixtures and reports use for <see cref="BatchNormErrorCategory"/> values.</summary>
public static class ErrorCategories
{
    /// <summary>The fixture name of a category, e.g. <c>axis_out_of_range</c>.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The snake_case name.</returns>
    public static string Name(BatchNormErrorCategory category)
    {
        string pascal = category.ToString();
        var name = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                name.Append('_');
            }

            name.Append(char.ToLowerInvariant(pascal[i]));
        }

        return name.ToString();
    }

    /// <summary>
    /// The fixture name of every category a fixture may expect, the enum of the built-in case schema. All but
    /// <see cref="BatchNormErrorCategory.RankTooLarge"/>, which came after suite format 1: adding it would change the
    /// pinned schema, and no suite input comes near rank 64. A harness may still report it (it is a rejection).
    /// </summary>
    public static IReadOnlyList<string> All { get; } =
        [.. Enum.GetValues<BatchNormErrorCategory>().Where(c => c != BatchNormErrorCategory.RankTooLarge).Select(Name)];
}
