namespace BatchNormAxis;

/// <summary>
/// The four per-channel sums of the backward pass with its statistics folded in, over d = x - shift: Σ d, Σ d²,
/// Σ dy and Σ dy · d (each span one value per channel of the range it covers). From them, with m = Σ d / N:
/// mean = shift + m, variance = Σ d² / N - m², Σ dy · (x - mean) = Σ dy · d - m · Σ dy.
/// </summary>
internal readonly ref struct FoldedSums(Span<double> sum, Span<double> squares, Span<double> sumDy, Span<double> sumDyShifted)
{
    public Span<double> Sum { get; } = sum;

    public Span<double> Squares { get; } = squares;

    public Span<double> SumDy { get; } = sumDy;

    public Span<double> SumDyShifted { get; } = sumDyShifted;

    /// <summary>The four sums as one array of four equal parts, in the order above.</summary>
    public static FoldedSums Of(Span<double> values)
    {
        int width = values.Length / 4;
        return new(values[..width], values.Slice(width, width), values.Slice(2 * width, width), values.Slice(3 * width, width));
    }

    /// <summary>Channels <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> of the four sums.</summary>
    public FoldedSums Slice(int first, int count) =>
        new(Sum.Slice(first, count), Squares.Slice(first, count), SumDy.Slice(first, count), SumDyShifted.Slice(first, count));
}
