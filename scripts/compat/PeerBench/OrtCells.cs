using BatchNormAxis.Harnesses.OnnxRuntime;
using Microsoft.ML.OnnxRuntime;

namespace BatchNormAxis.PeerBench;

/// <summary>
/// ONNX Runtime (CPU execution provider) on the benchmark layouts: one session per layout and mode, inputs and
/// outputs bound once to pinned arrays (<see cref="OrtValue.CreateTensorValueFromMemory{T}(T[], long[])"/>), so a
/// timed call is <c>Run</c> alone, with no allocation of tensors. The graph is the cheapest faithful one: the
/// conformance harness's keep-set adapter when the kept axes are the last ones (it then has no transpose), else
/// BatchNormalization on a transpose-free channels-first view (<see cref="OnnxGraph.ChannelsFirstBatchNormalization"/>).
/// ONNX Runtime has no backward.
/// </summary>
internal static class OrtCells
{
    private const float Momentum = 0.99f;
    private const float Epsilon = 1e-3f;

    public static IEnumerable<Cell> For(SessionOptions options)
    {
        foreach (BenchLayout layout in BenchLayout.All)
        {
            var random = new Random(20261124);  // the data of LayerInputs: fixed random values in [-1, 1]
            float[] x = [.. Enumerable.Range(0, layout.ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1))];
            foreach (bool training in new[] { true, false })
            {
                var bound = new BoundSession(options, layout, training, x);
                yield return new Cell(layout, training ? Modes.Training : Modes.Inference, bound.Run, bound);
            }
        }
    }

    /// <summary>Which graph a layout gets, for the report.</summary>
    public static string GraphOf(BenchLayout layout) => layout.KeptAxesTrail
        ? "keep-set adapter: Reshape, BatchNormalization, Reshape"
        : $"BatchNormalization on ({string.Join(", ", layout.ChannelsFirstShape)})" + (layout.ChannelsFirstShape.SequenceEqual(layout.Shape) ? " as it is" : " by Reshape");

    private static byte[] Graph(BenchLayout layout, bool training) => layout.KeptAxesTrail
        ? OnnxGraph.BatchNormalization(layout.Shape, layout.Kept, OnnxGraph.Float, training, Momentum, Epsilon)
        : OnnxGraph.ChannelsFirstBatchNormalization(layout.Shape, layout.ChannelsFirstShape, OnnxGraph.Float, training, Momentum, Epsilon);

    /// <summary>A session with its inputs and outputs bound to arrays allocated once.</summary>
    private sealed class BoundSession : IDisposable
    {
        private static readonly string[] s_inputNames = ["X", "scale", "B", "mean", "var"];
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly OrtValue[] _inputs;
        private readonly OrtValue[] _outputs;
        private readonly string[] _outputNames;

        public BoundSession(SessionOptions options, BenchLayout layout, bool training, float[] x)
        {
            int channels = layout.ChannelCount;
            long[] parameterShape = [channels];
            _session = new InferenceSession(Graph(layout, training), options);
            _inputs =
            [
                OrtValue.CreateTensorValueFromMemory(x, layout.Shape),
                OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1f, channels).ToArray(), parameterShape),
                OrtValue.CreateTensorValueFromMemory(new float[channels], parameterShape),
                OrtValue.CreateTensorValueFromMemory(new float[channels], parameterShape),
                OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1f, channels).ToArray(), parameterShape),
            ];
            _outputNames = training ? ["Y", "running_mean", "running_var"] : ["Y"];
            _outputs = training
                ?
                [
                    OrtValue.CreateTensorValueFromMemory(new float[x.Length], layout.Shape),
                    OrtValue.CreateTensorValueFromMemory(new float[channels], parameterShape),
                    OrtValue.CreateTensorValueFromMemory(new float[channels], parameterShape),
                ]
                : [OrtValue.CreateTensorValueFromMemory(new float[x.Length], layout.Shape)];
        }

        public void Run() => _session.Run(_runOptions, s_inputNames, _inputs, _outputNames, _outputs);

        public void Dispose()
        {
            Array.ForEach(_inputs, value => value.Dispose());
            Array.ForEach(_outputs, value => value.Dispose());
            _runOptions.Dispose();
            _session.Dispose();
        }
    }
}
