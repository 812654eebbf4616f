using System.Runtime.Intrinsics.X86;

namespace BatchNormAxis;

/// <summary>
/// The cache sizes a tuning choice depends on, read once from the processor. x86 reports them through CPUID; elsewhere,
/// and with hardware intrinsics disabled, they are unknown (0), and the choices that depend on them keep the value
/// measured for the smallest cache.
/// </summary>
internal static class CacheSizes
{
    /// <summary>Bytes of L2 cache per core, 0 where unknown.</summary>
    public static int L2Bytes { get; } = ReadL2Bytes();

    /// <summary>
    /// CPUID leaf 0x80000006 (AMD and Intel both fill it): ECX bits 31 to 16 are the L2 size per core in KiB. A
    /// virtual machine reports its host's core (docs/performance.md's machine: 1024 KiB, as /proc/cpuinfo says).
    /// </summary>
    private static int ReadL2Bytes()
    {
        if (!X86Base.IsSupported)
        {
            return 0;
        }

        const uint HighestExtendedLeaf = 0x80000000;
        const uint CacheLeaf = 0x80000006;
        (int highest, _, _, _) = X86Base.CpuId(unchecked((int)HighestExtendedLeaf), 0);
        if ((uint)highest < CacheLeaf)
        {
            return 0;
        }

        (_, _, int ecx, _) = X86Base.CpuId(unchecked((int)CacheLeaf), 0);
        return (int)Math.Min((uint)ecx >> 16, int.MaxValue / 1024) * 1024;
    }
}
