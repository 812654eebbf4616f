using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Python.Runtime;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// The two oracles in oracle/, run in an embedded Debian Python through pythonnet. Python is located by asking the
/// interpreter itself (sysconfig LIBDIR + INSTSONAME), initialized once per process with the GIL released
/// (PythonEngine.BeginAllowThreads, as https://github.com/pythonnet/pythonnet/wiki/Threading prescribes), and never
/// shut down: that page lets the process exit on its own instead.
/// </summary>
internal sealed class PythonOracle
{
    /// <summary>Debian's interpreter, not whatever python3 is first on PATH (a pyenv shim has no NumPy).</summary>
    public const string DefaultInterpreter = "/usr/bin/python3";

    /// <summary>Overrides the interpreter; pythonnet's own PYTHONNET_PYDLL overrides the library.</summary>
    public const string InterpreterVariable = "BNAXIS_PYTHON";

    private const string InstallHint = "install it with 'apt-get install python3-numpy' (Debian), or set " + InterpreterVariable + " to a Python 3 interpreter that has NumPy";

    private static readonly Lock s_lock = new();
    private static PythonOracle? s_instance;

    private readonly PyObject _numpy;
    private readonly PyObject _oracle;
    private readonly PyObject _exact;

    private PythonOracle(PyObject numpy, PyObject oracle, PyObject exact, IReadOnlyDictionary<string, string> versions)
    {
        _numpy = numpy;
        _oracle = oracle;
        _exact = exact;
        Versions = versions;
    }

    /// <summary>Python and NumPy versions, recorded in the manifest.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; }

    /// <summary>Starts Python once per process and imports both oracles from <paramref name="oracleDirectory"/>.</summary>
    public static PythonOracle Start(string oracleDirectory)
    {
        lock (s_lock)
        {
            if (s_instance is not null)
            {
                return s_instance;
            }

            string interpreter = Environment.GetEnvironmentVariable(InterpreterVariable) is { Length: > 0 } overridden ? overridden : DefaultInterpreter;
            string library = Environment.GetEnvironmentVariable("PYTHONNET_PYDLL") is { Length: > 0 } pydll ? pydll : LocateLibrary(interpreter);
            if (!File.Exists(library))
            {
                // A bad path poisons pythonnet's type initializer for the whole process: check first.
                throw new PythonEnvironmentException($"the Python library {library} does not exist; {InstallHint}");
            }

            Runtime.PythonDLL = library;
            PythonEngine.ProgramName = interpreter;
            PythonEngine.Initialize();
            PythonEngine.BeginAllowThreads();

            using (Py.GIL())
            {
                PyObject numpy;
                try
                {
                    numpy = Py.Import("numpy");
                }
                catch (PythonException exception)
                {
                    throw new PythonEnvironmentException($"NumPy is not importable by the embedded Python ({library}, {interpreter}): {exception.Message}; {InstallHint}");
                }

                using PyObject sys = Py.Import("sys");
                using PyObject path = sys.GetAttr("path");
                using var directory = new PyString(Path.GetFullPath(oracleDirectory));
                path.InvokeMethod("insert", new PyInt(0), directory).Dispose();
                PyObject oracle = Py.Import("bn_oracle");
                PyObject exact = Py.Import("bn_exact");
                using PyObject versions = oracle.InvokeMethod("versions");
                var versionMap = new Dictionary<string, string>
                {
                    ["numpy"] = versions["numpy"].As<string>(),
                    ["python"] = versions["python"].As<string>(),
                };
                s_instance = new PythonOracle(numpy, oracle, exact, versionMap);
                return s_instance;
            }
        }
    }

    /// <summary>Oracle A (NumPy float64) or B (decimal) forward call; results by name, float64, unrounded.</summary>
    public Dictionary<string, double[]> Forward(
        bool exact,
        double[] x,
        IReadOnlyList<int> shape,
        IReadOnlyList<int> keptAxes,
        double[] gamma,
        double[] beta,
        double[] movingMean,
        double[] movingVariance,
        double momentum,
        double epsilon,
        bool useBatchStatistics,
        double[]? mask)
    {
        using (Py.GIL())
        {
            using var arguments = new PyTuple([
                ToNumpy(x), ToList(shape), ToList(keptAxes), ToNumpy(gamma), ToNumpy(beta), ToNumpy(movingMean), ToNumpy(movingVariance),
                new PyFloat(momentum), new PyFloat(epsilon), useBatchStatistics.ToPython(), mask is null ? PyObject.None : ToNumpy(mask),
            ]);
            return Call(exact, "forward", arguments, "y", "mean", "variance", "moving_mean", "moving_variance");
        }
    }

    /// <summary>Oracle A or B backward call: dx, dgamma, dbeta, mean, variance.</summary>
    public Dictionary<string, double[]> Backward(
        bool exact,
        double[] x,
        double[] dy,
        IReadOnlyList<int> shape,
        IReadOnlyList<int> keptAxes,
        double[] gamma,
        double[] movingMean,
        double[] movingVariance,
        double epsilon,
        bool useBatchStatistics)
    {
        using (Py.GIL())
        {
            using var arguments = new PyTuple([
                ToNumpy(x), ToNumpy(dy), ToList(shape), ToList(keptAxes), ToNumpy(gamma), ToNumpy(movingMean), ToNumpy(movingVariance),
                new PyFloat(epsilon), useBatchStatistics.ToPython(),
            ]);
            return Call(exact, "backward", arguments, "dx", "dgamma", "dbeta", "mean", "variance");
        }
    }

    /// <summary>
    /// Oracle A or B call of a renormalizing layer: the outputs of <see cref="Forward"/> plus moving_stddev,
    /// renorm_mean, renorm_stddev after the call, and r and d (1 and 0 when the call uses the moving statistics).
    /// </summary>
    public Dictionary<string, double[]> ForwardRenorm(
        bool exact,
        double[] x,
        IReadOnlyList<int> shape,
        IReadOnlyList<int> keptAxes,
        double[] gamma,
        double[] beta,
        RenormWeights weights,
        double momentum,
        double epsilon,
        RenormOptions renorm,
        bool useBatchStatistics,
        double[]? mask)
    {
        using (Py.GIL())
        {
            using var arguments = new PyTuple([
                ToNumpy(x), ToList(shape), ToList(keptAxes), ToNumpy(gamma), ToNumpy(beta), ToNumpy(weights.MovingMean), ToNumpy(weights.MovingVariance),
                ToNumpy(weights.MovingStddev), ToNumpy(weights.RenormMean), ToNumpy(weights.RenormStddev),
                new PyFloat(momentum), new PyFloat(renorm.Momentum), new PyFloat(epsilon), Optional(renorm.RMin), Optional(renorm.RMax), Optional(renorm.DMax),
                useBatchStatistics.ToPython(), mask is null ? PyObject.None : ToNumpy(mask),
            ]);
            return Call(exact, "forward_renorm", arguments, "y", "mean", "variance", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev", "r", "d");
        }
    }

    /// <summary>Oracle A or B backward of a renorm training call: dx, dgamma, dbeta, mean, variance, r, d.</summary>
    public Dictionary<string, double[]> BackwardRenorm(
        bool exact,
        double[] x,
        double[] dy,
        IReadOnlyList<int> shape,
        IReadOnlyList<int> keptAxes,
        double[] gamma,
        double[] renormMean,
        double[] renormStddev,
        double epsilon,
        RenormOptions renorm)
    {
        using (Py.GIL())
        {
            using var arguments = new PyTuple([
                ToNumpy(x), ToNumpy(dy), ToList(shape), ToList(keptAxes), ToNumpy(gamma), ToNumpy(renormMean), ToNumpy(renormStddev),
                new PyFloat(epsilon), Optional(renorm.RMin), Optional(renorm.RMax), Optional(renorm.DMax),
            ]);
            return Call(exact, "backward_renorm", arguments, "dx", "dgamma", "dbeta", "mean", "variance", "r", "d");
        }
    }

    /// <summary>Calls one oracle function (of A, or of B when <paramref name="exact"/>) and reads the named results.</summary>
    private Dictionary<string, double[]> Call(bool exact, string function, PyTuple arguments, params string[] names)
    {
        using PyObject callable = (exact ? _exact : _oracle).GetAttr(function);
        using PyObject result = callable.Invoke(arguments);
        return FromDictionary(result, names);
    }

    /// <summary>A clip bound for Python: None when Keras' key is missing.</summary>
    private static PyObject Optional(double? value) => value is double number ? new PyFloat(number) : PyObject.None;

    /// <summary>Asks the interpreter where its shared library is: sysconfig LIBDIR then LIBPL, INSTSONAME then LDLIBRARY.</summary>
    private static string LocateLibrary(string interpreter)
    {
        const string Query = "import os, sysconfig\n"
            + "for d in (sysconfig.get_config_var('LIBDIR'), sysconfig.get_config_var('LIBPL')):\n"
            + "    for n in (sysconfig.get_config_var('INSTSONAME'), sysconfig.get_config_var('LDLIBRARY')):\n"
            + "        if d and n and os.path.isfile(os.path.join(d, n)):\n"
            + "            print(os.path.join(d, n)); raise SystemExit(0)\n"
            + "print('Py_ENABLE_SHARED=%s' % sysconfig.get_config_var('Py_ENABLE_SHARED')); raise SystemExit(1)\n";
        var start = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Query);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PythonEnvironmentException($"could not start {interpreter}; {InstallHint}");
        }
        catch (Win32Exception)
        {
            throw new PythonEnvironmentException($"Python was not found at {interpreter}; {InstallHint}");
        }

        using (process)
        {
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0
                ? output
                : throw new PythonEnvironmentException($"{interpreter} has no shared libpython ({output}); {InstallHint}");
        }
    }

    private PyObject ToNumpy(double[] values)
    {
        using PyObject buffer = values.ToPython();
        using var arguments = new PyTuple([buffer]);
        using var keywords = new PyDict();
        using PyObject float64 = _numpy.GetAttr("float64");
        keywords["dtype"] = float64;
        using PyObject array = _numpy.GetAttr("array");
        return array.Invoke(arguments, keywords);
    }

    private static PyList ToList(IReadOnlyList<int> values) => new([.. values.Select(v => (PyObject)new PyInt(v))]);

    private Dictionary<string, double[]> FromDictionary(PyObject result, params string[] names)
    {
        var outputs = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            using PyObject value = result[name];
            outputs[name] = ToDoubles(value);
        }

        return outputs;
    }

    private double[] ToDoubles(PyObject value)
    {
        using var arguments = new PyTuple([value]);
        using var keywords = new PyDict();
        using PyObject float64 = _numpy.GetAttr("float64");
        keywords["dtype"] = float64;
        using PyObject contiguous = _numpy.GetAttr("ascontiguousarray").Invoke(arguments, keywords);
        using PyObject flat = contiguous.InvokeMethod("reshape", new PyInt(-1));
        int count = flat.GetAttr("size").As<int>();
        double[] values = new double[count];
        if (count == 0)
        {
            return values;
        }

        // Only C_CONTIGUOUS: asking for FORMATS makes pythonnet free NumPy's format string (interop pitfall P5).
        using PyBuffer buffer = flat.GetBuffer(PyBUF.C_CONTIGUOUS);
        if (buffer.ItemSize != sizeof(double))
        {
            throw new InvalidOperationException($"oracle returned items of {buffer.ItemSize} bytes: expected float64");
        }

        Marshal.Copy(buffer.Buffer, values, 0, count);
        return values;
    }
}
