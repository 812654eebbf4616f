namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// SplitMix64, seeded from a case's data key. Only integer arithmetic and exact scalings by powers of two, so the
/// same seed gives the same numbers on every machine and .NET version (System.Random and Math.Log/Cos do not
/// promise that).
/// </summary>
internal sealed class DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A stable 64-bit seed from text (FNV-1a over UTF-16 code units).</summary>
    public static ulong SeedFrom(string key)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in key)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return hash;
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), a multiple of 2^-20: exact in every dtype from bfloat16 up when scaled suitably.</summary>
    public double NextUniform() => (NextUInt64() >> 44) * Math.ScaleB(1.0, -20);

    /// <summary>
    /// Approximately standard normal: the Irwin-Hall sum of 12 uniforms minus 6 (mean 0, variance 1, bounded by 6).
    /// Every step is exact in double.
    /// </summary>
    public double NextNormal()
    {
        double sum = 0;
        for (int i = 0; i < 12; i++)
        {
            sum += NextUniform();
        }

        return sum - 6;
    }

    /// <summary>Uniform in [low, high).</summary>
    public double NextUniform(double low, double high) => low + ((high - low) * NextUniform());

    /// <summary>True with probability p.</summary>
    public bool NextBool(double p) => NextUniform() < p;
}
