namespace BatchNormAxis;

/// <summary>
/// Division of double vectors by a count of values (the values of a channel), as a multiplication when the count is
/// a power of two: x / 2^k and x · 2^-k are the same real number rounded once, so the same double, NaN, infinity and
/// subnormal alike, while a multiplication costs a fraction of a division (the wide keep-sets' per-channel steps,
/// axis=[1, 2, 3], divide twice per channel by the batch size). Any other count keeps the division, so the vector
/// paths give the bits of the scalar loops, which always divide.
/// </summary>
internal readonly struct CountDivisor<TLanes>
    where TLanes : struct, IDoubleLanes<TLanes>
{
    private readonly TLanes _divisorOrReciprocal;
    private readonly bool _multiplies;

    public CountDivisor(double count)
    {
        _multiplies = double.IsPow2(count);
        _divisorOrReciprocal = TLanes.Create(_multiplies ? 1 / count : count);
    }

    /// <summary>The lanes of <paramref name="value"/> divided by the count.</summary>
    public TLanes Divide(TLanes value) => _multiplies ? value * _divisorOrReciprocal : value / _divisorOrReciprocal;
}
