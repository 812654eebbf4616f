using System.Reflection;
using System.Runtime.Loader;
using BatchNormAxis.PeerBench;

namespace BatchNormAxis.SideBySide;

/// <summary>
/// One build of the call shim and its BatchNormAxis, loaded into a load context of its own: its own copy of the
/// library, so its own JIT code and tiered-compilation profile, beside the other build in the same process.
/// </summary>
internal sealed class BuildUnderTest
{
    private const string ShimFileName = "bnaxis-side-by-side-shim.dll";

    private readonly MethodInfo _create;

    private BuildUnderTest(string label, MethodInfo create)
    {
        Label = label;
        _create = create;
    }

    /// <summary>How the build is named in the output (the revision it was built from).</summary>
    public string Label { get; }

    /// <summary>Loads the shim in <paramref name="folder"/>; null and a one-line reason when it is not a shim's build output.</summary>
    public static BuildUnderTest? TryLoad(string folder, string label, string contextName, out string problem)
    {
        string shimPath = Path.GetFullPath(Path.Combine(folder, ShimFileName));
        if (!File.Exists(shimPath))
        {
            problem = $"'{folder}' holds no {ShimFileName} (expected the output folder of a SideBySideShim build)";
            return null;
        }

        try
        {
            var context = new IsolatedContext(shimPath, contextName);
            Assembly shim = context.LoadFromAssemblyPath(shimPath);
            MethodInfo? create = shim.GetType("BatchNormAxis.SideBySide.CallFactory")?.GetMethod("Create", BindingFlags.Public | BindingFlags.Static);
            if (create is null || create.ReturnType != typeof(Action))
            {
                problem = $"'{shimPath}' has no CallFactory.Create returning an Action (a shim of another version?)";
                return null;
            }

            problem = "";
            return new BuildUnderTest(label, create);
        }
        catch (Exception exception) when (exception is BadImageFormatException or FileLoadException or IOException)
        {
            problem = $"'{shimPath}' does not load: {exception.Message}";
            return null;
        }
    }

    /// <summary>The build's call for one cell, on the arrays of <paramref name="inputs"/> (the same arrays for both builds).</summary>
    public Action CallFor(SharedInputs inputs, string mode, int threads)
    {
        BenchLayout layout = inputs.Layout;
        object?[] arguments =
        [
            mode, threads, layout.Shape.Select(d => (int)d).ToArray(), layout.Kept, layout.Kept.Length > 1,
            inputs.X, inputs.Dy, inputs.Output, inputs.Gamma, inputs.Beta, inputs.MovingMean, inputs.MovingVariance,
            inputs.FirstChannelOutput, inputs.SecondChannelOutput,
        ];
        try
        {
            return (Action)_create.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw new InvalidOperationException($"{Label}: the shim refused the call: {exception.InnerException.Message}", exception.InnerException);
        }
    }

    /// <summary>Resolves the shim's dependencies (its BatchNormAxis.dll and packages) from its own folder first.</summary>
    private sealed class IsolatedContext(string shimPath, string name) : AssemblyLoadContext(name)
    {
        private readonly AssemblyDependencyResolver _resolver = new(shimPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is string path ? LoadFromAssemblyPath(path) : null;

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is string path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
