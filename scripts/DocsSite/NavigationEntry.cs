namespace BatchNormAxis.DocsSite;

/// <summary>
/// One sidebar entry: the page file (e.g. <c>cli.md</c>), its title and its nesting depth (0 at the top).
/// A list item without a link is a group label: <see cref="Page"/> is null.
/// </summary>
internal sealed record NavigationEntry(string? Page, string Title, int Depth);
