using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BatchNormAxis.Tests;

/// <summary>
/// The fast kernels report the vector width they run with, and it is the widest the hardware accelerates (up to
/// 256 bits): no machine with vectors runs the scalar loops. CI runs the fast tests again with AVX2 disabled and with
/// all intrinsics disabled; these tests check that those runs really take the 128-bit and the scalar paths.
/// </summary>
public class VectorWidthTests
{
    [Fact]
    public void VectorBits_IsTheWidestAcceleratedWidth()
    {
        int expected = Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        Assert.Equal(expected, FastKernels.VectorBits);
    }

    [Fact]
    public void VectorBits_FollowsTheRuntimeSwitches()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
        {
            Assert.Equal(0, FastKernels.VectorBits);
        }
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0" && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Equal(128, FastKernels.VectorBits);
        }
        else
        {
            Assert.SkipWhen(
                RuntimeInformation.ProcessArchitecture != Architecture.X64 || !Vector256.IsHardwareAccelerated,
                "not an AVX2 machine: the default width is checked by VectorBits_IsTheWidestAcceleratedWidth");
            Assert.Equal(256, FastKernels.VectorBits);
        }
    }
}
