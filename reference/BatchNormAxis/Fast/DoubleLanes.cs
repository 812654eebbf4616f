using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BatchNormAxis;

/// <summary>
/// A vector of doubles for the per-channel steps (<see cref="ChannelFold"/>, <see cref="GradientCoefficients"/>), so
/// that one loop serves two widths: <see cref="Vector{T}"/> (<see cref="VectorLanes"/>) and, where the hardware has
/// fast 512-bit vectors, <see cref="Vector512{T}"/> (<see cref="Vector512Lanes"/>). Every operation here is
/// correctly rounded lane by lane, the square root and the division included, so both widths give the scalar loops'
/// bits. The width matters for the wide keep-sets, whose per-channel steps take a square root and a division for
/// each of 200704 channels: on the Zen 5, 512-bit lanes did those in 0.09 ms against 0.20 to 0.32 ms for 256-bit
/// ones (docs/performance.md, "What each change measured").
/// </summary>
internal interface IDoubleLanes<TSelf>
    where TSelf : struct, IDoubleLanes<TSelf>
{
    /// <summary>Doubles in a vector; the float loops take twice as many floats at a time.</summary>
    static abstract int Count { get; }

    static abstract TSelf Zero { get; }

    static abstract TSelf One { get; }

    static abstract TSelf Create(double value);

    static abstract TSelf Load(ref double source, int index);

    /// <summary>2 · <see cref="Count"/> floats from <paramref name="index"/>, widened (exactly) to two vectors.</summary>
    static abstract (TSelf Low, TSelf High) LoadWidened(ref float source, int index);

    static abstract void Store(TSelf value, ref double destination, int index);

    /// <summary>Both vectors rounded to float, as 2 · <see cref="Count"/> floats from <paramref name="index"/>.</summary>
    static abstract void StoreNarrowed(TSelf low, TSelf high, ref float destination, int index);

    static abstract TSelf SquareRoot(TSelf value);

    /// <summary>The larger lane by lane, as <see cref="Vector.Max{T}(Vector{T}, Vector{T})"/>.</summary>
    static abstract TSelf Max(TSelf left, TSelf right);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);
}

/// <summary>Which width the per-channel steps take on this machine.</summary>
internal static class DoubleLanes
{
    /// <summary>Whether 512-bit vectors are fast here (the runtime says so: false where they would slow the clock).</summary>
    public static bool Use512 => Vector512.IsHardwareAccelerated;
}

/// <summary><see cref="Vector{T}"/> of doubles as <see cref="IDoubleLanes{TSelf}"/>.</summary>
internal readonly struct VectorLanes(Vector<double> value) : IDoubleLanes<VectorLanes>
{
    private readonly Vector<double> _value = value;

    public static int Count => Vector<double>.Count;

    public static VectorLanes Zero => new(Vector<double>.Zero);

    public static VectorLanes One => new(Vector<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes Create(double value) => new(new Vector<double>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes Load(ref double source, int index) => new(Vector.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (VectorLanes Low, VectorLanes High) LoadWidened(ref float source, int index)
    {
        Vector.Widen(Vector.LoadUnsafe(ref source, (nuint)index), out Vector<double> low, out Vector<double> high);
        return (new(low), new(high));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(VectorLanes value, ref double destination, int index) => value._value.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(VectorLanes low, VectorLanes high, ref float destination, int index) =>
        Vector.Narrow(low._value, high._value).StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes SquareRoot(VectorLanes value) => new(Vector.SquareRoot(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes Max(VectorLanes left, VectorLanes right) => new(Vector.Max(left._value, right._value));

    public static VectorLanes operator +(VectorLanes left, VectorLanes right) => new(left._value + right._value);

    public static VectorLanes operator -(VectorLanes left, VectorLanes right) => new(left._value - right._value);

    public static VectorLanes operator -(VectorLanes value) => new(-value._value);

    public static VectorLanes operator *(VectorLanes left, VectorLanes right) => new(left._value * right._value);

    public static VectorLanes operator /(VectorLanes left, VectorLanes right) => new(left._value / right._value);
}

/// <summary><see cref="Vector512{T}"/> of doubles as <see cref="IDoubleLanes{TSelf}"/>.</summary>
internal readonly struct Vector512Lanes(Vector512<double> value) : IDoubleLanes<Vector512Lanes>
{
    private readonly Vector512<double> _value = value;

    public static int Count => Vector512<double>.Count;

    public static Vector512Lanes Zero => new(Vector512<double>.Zero);

    public static Vector512Lanes One => new(Vector512<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512Lanes Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512Lanes Load(ref double source, int index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512Lanes Low, Vector512Lanes High) LoadWidened(ref float source, int index)
    {
        (Vector512<double> low, Vector512<double> high) = Vector512.Widen(Vector512.LoadUnsafe(ref source, (nuint)index));
        return (new(low), new(high));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512Lanes value, ref double destination, int index) => value._value.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector512Lanes low, Vector512Lanes high, ref float destination, int index) =>
        Vector512.Narrow(low._value, high._value).StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512Lanes SquareRoot(Vector512Lanes value) => new(Vector512.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512Lanes Max(Vector512Lanes left, Vector512Lanes right) => new(Vector512.Max(left._value, right._value));

    public static Vector512Lanes operator +(Vector512Lanes left, Vector512Lanes right) => new(left._value + right._value);

    public static Vector512Lanes operator -(Vector512Lanes left, Vector512Lanes right) => new(left._value - right._value);

    public static Vector512Lanes operator -(Vector512Lanes value) => new(-value._value);

    public static Vector512Lanes operator *(Vector512Lanes left, Vector512Lanes right) => new(left._value * right._value);

    public static Vector512Lanes operator /(Vector512Lanes left, Vector512Lanes right) => new(left._value / right._value);
}
