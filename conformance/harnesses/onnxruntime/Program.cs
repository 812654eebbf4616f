// BatchNormAxis harness for ONNX Runtime 1.31.1 (Microsoft.ML.OnnxRuntime, CPU execution provider).
//
// Each case becomes an ONNX model built here (OnnxGraph: the keep-set adapter as Transpose + Reshape around one
// BatchNormalization node, training_mode 1 for training calls and 0 otherwise), run by ONNX Runtime. The adapter
// maps layouts only; ONNX's momentum has the Keras meaning and is passed as is. ONNX has no `trainable` flag and no
// masks, and no gradients in this package, so frozen calls run with training_mode = training, and backward and mask
// are not declared. Float attributes (momentum, epsilon) are float32 in ONNX, also for float64 data.
//
//   dotnet build -c Release conformance/harnesses/onnxruntime
//   bnaxis run --harness "dotnet conformance/harnesses/onnxruntime/bin/Release/net10.0/bnaxis-ort-harness.dll" \
//       --expectations conformance/harnesses/onnxruntime/expectations.json
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BatchNormAxis.Harnesses.OnnxRuntime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

if (SequentialCpuSession.TryCreateOptions(1, out string problem) is not SessionOptions options)
{
    // One line for the runner's report instead of a stack trace.
    Console.Error.WriteLine($"onnxruntime harness: {problem}; rebuild with: dotnet build -c Release conformance/harnesses/onnxruntime");
    return 3;
}

using SessionOptions disposeAtExit = options;

string[] dtypes = [.. Dtypes.All.Keys.Where(d => Cases.KernelWorks(options, d))];
string? line;
while ((line = Console.In.ReadLine()) is not null)
{
    JsonNode message = JsonNode.Parse(line) ?? throw new InvalidDataException("empty message");
    string command = (string?)message["cmd"] ?? string.Empty;
    JsonObject reply;
    if (command == "start")
    {
        reply = new JsonObject
        {
            ["protocol"] = 1,
            ["implementation"] = new JsonObject
            {
                ["name"] = "onnxruntime",
                ["version"] = OrtEnv.Instance().GetVersionString(),
                ["language"] = "C#",
                ["homepage"] = "https://onnx.ai/onnx/operators/onnx__BatchNormalization.html",
            },
            ["capabilities"] = new JsonObject
            {
                ["dtypes"] = new JsonArray([.. dtypes.Order(StringComparer.Ordinal).Select(d => (JsonNode)d)]),
                ["ranks"] = new JsonArray(1, 2, 3, 4, 5, 6),
                ["features"] = new JsonArray("training", "inference", "frozen", "sequence", "list_axis", "multi_axis", "errors"),
            },
        };
    }
    else if (command == "run")
    {
        try
        {
            reply = Cases.Run(options, message["case"]!.AsObject());
        }
        catch (RejectionException rejection)
        {
            reply = new JsonObject { ["rejected"] = new JsonObject { ["category"] = rejection.Category, ["message"] = rejection.Message } };
        }
        catch (OnnxRuntimeException error)
        {
            string first = FirstLine(error.Message);
            reply = IsParameterShapeError(first)
                ? new JsonObject { ["rejected"] = new JsonObject { ["category"] = "parameter_shape_mismatch", ["message"] = "onnxruntime: " + first } }
                : new JsonObject { ["errored"] = new JsonObject { ["message"] = "onnxruntime: " + first } };
        }
#pragma warning disable CA1031 // a harness bug is reported on its case; the run goes on
        catch (Exception error)
#pragma warning restore CA1031
        {
            reply = new JsonObject { ["errored"] = new JsonObject { ["message"] = $"{error.GetType().Name}: {FirstLine(error.Message)}", ["traceback"] = error.ToString() } };
        }

        reply["seq"] = message["seq"]!.DeepClone();
    }
    else
    {
        break;
    }

    Console.Out.Write(reply.ToJsonString() + "\n");
    Console.Out.Flush();
}

return 0;

static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

// ORT's refusal of a weight whose shape is not the graph input's [C].
static bool IsParameterShapeError(string message) =>
    (message.Contains("invalid dimensions for input", StringComparison.Ordinal) || message.Contains("Invalid rank for input", StringComparison.Ordinal))
    && ": scale|: B|: mean|: var".Split('|').Any(n => message.Contains(n, StringComparison.Ordinal));

/// <summary>A Keras axis the adapter cannot map (ONNX has no axis argument: these refusals are the adapter's).</summary>
internal sealed class RejectionException(string category, string message) : Exception(message)
{
    public string Category { get; } = category;
}

/// <summary>Protocol dtypes and their ONNX element types, sizes and the bytes of 1.</summary>
internal static class Dtypes
{
    public static readonly Dictionary<string, (int Onnx, TensorElementType Ort, byte[] One)> All = new(StringComparer.Ordinal)
    {
        ["float32"] = (OnnxGraph.Float, TensorElementType.Float, BitConverter.GetBytes(1.0f)),
        ["float64"] = (OnnxGraph.Double, TensorElementType.Double, BitConverter.GetBytes(1.0)),
        ["float16"] = (OnnxGraph.Float16, TensorElementType.Float16, BitConverter.GetBytes((ushort)0x3C00)),
        ["bfloat16"] = (OnnxGraph.BFloat16, TensorElementType.BFloat16, BitConverter.GetBytes((ushort)0x3F80)),
    };
}

/// <summary>Runs protocol cases through ONNX Runtime.</summary>
internal static class Cases
{
    private static readonly OrtMemoryInfo s_cpu = OrtMemoryInfo.DefaultInstance;

    public static JsonObject Run(SessionOptions options, JsonObject runCase)
    {
        string dtype = (string)runCase["dtype"]!;
        long[] shape = [.. runCase["shape"]!.AsArray().Select(d => (long)d!)];
        int[] kept = KeptAxes(shape, runCase["axis"]!);
        long channels = kept.Aggregate(1L, (p, a) => p * shape[a]);
        long[] compact = [.. kept.Select(a => shape[a])];
        long[] broadcast = [.. Enumerable.Range(0, shape.Length).Select(a => kept.Contains(a) ? shape[a] : 1)];
        JsonObject layer = runCase["layer"]!.AsObject();
        JsonObject inputs = runCase["inputs"]!.AsObject();
        int size = Dtypes.All[dtype].One.Length;

        // gamma and beta absent (scale or center off) are the identity values 1 and 0: ONNX requires both inputs.
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["scale"] = inputs["gamma"] is JsonNode g ? Parameter(Tensor.Read(g), compact, broadcast, channels) : Tensor.Filled(dtype, channels, Dtypes.All[dtype].One),
            ["B"] = inputs["beta"] is JsonNode b ? Parameter(Tensor.Read(b), compact, broadcast, channels) : Tensor.Filled(dtype, channels, new byte[size]),
            ["mean"] = Parameter(Tensor.Read(inputs["moving_mean"]!), compact, broadcast, channels),
            ["var"] = Parameter(Tensor.Read(inputs["moving_variance"]!), compact, broadcast, channels),
        };

        if ((string)runCase["kind"]! == "sequence")
        {
            var steps = new JsonArray();
            foreach (JsonNode? step in runCase["steps"]!.AsArray())
            {
                JsonObject outputs = Call(options, dtype, shape, kept, layer, (bool)step!["training"]!, Tensor.Read(step["x"]!), parameters, compact);
                parameters["mean"] = Tensor.Read(outputs["moving_mean"]!) with { Shape = [channels] };
                parameters["var"] = Tensor.Read(outputs["moving_variance"]!) with { Shape = [channels] };
                steps.Add(outputs);
            }

            return new JsonObject { ["steps"] = steps };
        }

        return new JsonObject { ["outputs"] = Call(options, dtype, shape, kept, layer, (bool)runCase["training"]!, Tensor.Read(inputs["x"]!), parameters, compact) };
    }

    /// <summary>Whether the CPU execution provider runs BatchNormalization in both modes for this dtype.</summary>
    public static bool KernelWorks(SessionOptions options, string dtype)
    {
        byte[] one = Dtypes.All[dtype].One;
        Tensor Ones(long[] shape) => Tensor.Filled(dtype, shape.Aggregate(1L, (p, d) => p * d), one) with { Shape = shape };
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["scale"] = Ones([2]),
            ["B"] = Ones([2]),
            ["mean"] = Ones([2]),
            ["var"] = Ones([2]),
        };
        var layer = new JsonObject { ["momentum"] = 0.9, ["epsilon"] = 1e-3 };
        try
        {
            foreach (bool training in new[] { false, true })
            {
                Call(options, dtype, [2, 2], [1], layer, training, Ones([2, 2]), parameters, [2]);
            }

            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static JsonObject Call(SessionOptions options, string dtype, long[] shape, int[] kept, JsonObject layer, bool training, Tensor x, Dictionary<string, Tensor> parameters, long[] compact)
    {
        byte[] model = OnnxGraph.BatchNormalization(shape, kept, Dtypes.All[dtype].Onnx, training, (float)(double)layer["momentum"]!, (float)(double)layer["epsilon"]!);
        using var session = new InferenceSession(model, options);
        string[] inputNames = ["X", "scale", "B", "mean", "var"];
        Tensor[] tensors = [x, parameters["scale"], parameters["B"], parameters["mean"], parameters["var"]];
        var handles = tensors.Select(t => GCHandle.Alloc(t.Data, GCHandleType.Pinned)).ToArray();
        var values = new List<OrtValue>();
        try
        {
            for (int i = 0; i < tensors.Length; i++)
            {
                values.Add(OrtValue.CreateTensorValueWithData(s_cpu, Dtypes.All[dtype].Ort, tensors[i].Shape, handles[i].AddrOfPinnedObject(), tensors[i].Data.Length));
            }

            string[] outputNames = training ? ["Y", "running_mean", "running_var"] : ["Y"];
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, inputNames, values, outputNames);
            OrtValue[] outputs = [.. results];
            return new JsonObject
            {
                ["y"] = Tensor.Write(dtype, shape, outputs[0].GetTensorMutableRawData().ToArray()),
                ["moving_mean"] = Tensor.Write(dtype, compact, training ? outputs[1].GetTensorMutableRawData().ToArray() : parameters["mean"].Data),
                ["moving_variance"] = Tensor.Write(dtype, compact, training ? outputs[2].GetTensorMutableRawData().ToArray() : parameters["var"].Data),
            };
        }
        finally
        {
            values.ForEach(v => v.Dispose());
            Array.ForEach(handles, h => h.Free());
        }
    }

    /// <summary>A weight in the compact or broadcast shape is the flat [C] vector; any other shape goes to ONNX Runtime as it is.</summary>
    private static Tensor Parameter(Tensor tensor, long[] compact, long[] broadcast, long channels) =>
        tensor.Shape.SequenceEqual(compact) || tensor.Shape.SequenceEqual(broadcast) ? tensor with { Shape = [channels] } : tensor;

    private static int[] KeptAxes(long[] shape, JsonNode axis)
    {
        int rank = shape.Length;
        if (rank == 0)
        {
            throw new RejectionException("rank_zero", "adapter: input shape () has rank 0; batch norm needs at least one axis");
        }

        int[] spelled = axis is JsonArray list ? [.. list.Select(a => (int)a!)] : [(int)axis];
        string spelling = axis.ToJsonString();
        if (spelled.Length == 0)
        {
            throw new RejectionException("empty_axis_list", $"adapter: axis={spelling} keeps no axis");
        }

        int[] resolved = [.. spelled.Select(a => a < 0 ? a + rank : a)];
        for (int i = 0; i < spelled.Length; i++)
        {
            if (resolved[i] < 0 || resolved[i] >= rank)
            {
                throw new RejectionException("axis_out_of_range", $"adapter: axis {spelled[i]} is out of range for rank {rank}");
            }
        }

        if (resolved.Distinct().Count() != resolved.Length)
        {
            throw new RejectionException("duplicate_axis", $"adapter: axis={spelling} resolves to [{string.Join(", ", resolved)}]");
        }

        return [.. resolved.Order()];
    }
}

/// <summary>A protocol tensor: little-endian element bytes and a shape.</summary>
internal sealed record Tensor(string DType, long[] Shape, byte[] Data)
{
    public static Tensor Read(JsonNode node) =>
        new((string)node["dtype"]!, [.. node["shape"]!.AsArray().Select(d => (long)d!)], Convert.FromBase64String((string)node["data"]!));

    public static Tensor Filled(string dtype, long count, byte[] element)
    {
        byte[] data = new byte[count * element.Length];
        for (long i = 0; i < count; i++)
        {
            element.CopyTo(data, i * element.Length);
        }

        return new Tensor(dtype, [count], data);
    }

    public static JsonObject Write(string dtype, long[] shape, byte[] data) => new()
    {
        ["dtype"] = dtype,
        ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
        ["data"] = Convert.ToBase64String(data),
    };
}
