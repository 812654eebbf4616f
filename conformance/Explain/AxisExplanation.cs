using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Explain;

/// <summary>Renders an <see cref="AxisResolution"/> for people (<see cref="ToText"/>) and for programs (<see cref="ToJson"/>).</summary>
public static class AxisExplanation
{
    /// <summary>One JSON object; the key set and order are part of the CLI's contract (docs/cli.md).</summary>
    /// <param name="resolution">The resolved shape and axis.</param>
    /// <returns>The object on one line, ending in a newline.</returns>
    public static string ToJson(AxisResolution resolution)
    {
        ChannelFirstLayout layout = ChannelFirstLayout.For(resolution);
        JsonNode axis = resolution.Axis.IsList ? ToArray(resolution.Axis.Values) : JsonValue.Create(resolution.Axis.Values[0]);
        JsonObject json = new()
        {
            ["shape"] = ToArray(resolution.Shape),
            ["axis"] = axis,
            ["kept_axes"] = ToArray(resolution.KeptAxes),
            ["reduction_axes"] = ToArray(resolution.ReductionAxes),
            ["param_shape"] = ToArray(resolution.ParameterShape),
            ["broadcast_shape"] = ToArray(resolution.BroadcastShape),
            ["reduction_count"] = resolution.ReductionCount,
            ["weight_shape"] = ToArray(resolution.KerasWeightShape),
            ["channel_first_permutation"] = ToArray(layout.Permutation),
            ["channel_first_shape"] = ToArray(layout.Shape),
        };
        return json.ToJsonString() + "\n";
    }

    /// <summary>
    /// The explanation for people: kept and reduced axes, the parameter and broadcast shapes, what Keras 2 and 3
    /// accept, and the same statistics spelled with reduce-style and channel-dim-1 APIs.
    /// </summary>
    /// <param name="resolution">The resolved shape and axis.</param>
    /// <returns>Several lines, each ending in a newline.</returns>
    public static string ToText(AxisResolution resolution)
    {
        string shape = Tuple(resolution.Shape);
        string kept = List(resolution.KeptAxes);
        string reduced = List(resolution.ReductionAxes);
        string reductionCount = resolution.ReductionCount.ToString(CultureInfo.InvariantCulture);
        string channelCount = resolution.ChannelCount.ToString(CultureInfo.InvariantCulture);

        StringBuilder text = new();
        text.AppendLine(CultureInfo.InvariantCulture, $"BatchNormalization(axis={resolution.Axis}) on input shape {shape}");
        text.AppendLine();
        Row(text, "kept axes", kept, $"one mean and variance per position along them: {channelCount} channel{(resolution.ChannelCount == 1 ? "" : "s")}");
        Row(text, "reduction axes", reduced, resolution.ReductionAxes.IsEmpty
            ? "nothing is reduced: every element is its own channel"
            : "statistics are taken over these");
        Row(text, "reduction count", reductionCount, "elements per channel");
        Row(text, "parameter shape", Tuple(resolution.ParameterShape), "compact: the kept dimensions");
        Row(text, "broadcast shape", Tuple(resolution.BroadcastShape), "full rank, 1 on every reduced axis");
        Row(text, "Keras weights", Tuple(resolution.KerasWeightShape), resolution.KeptAxes.Length == 1
            ? "gamma, beta, moving_mean, moving_variance (compact, one kept axis)"
            : "tf.keras gives a list axis broadcast-shaped weights");
        text.AppendLine();
        text.AppendLine(KerasVersionNote(resolution));
        text.AppendLine();
        text.AppendLine("The same statistics with reduce-style APIs, which name the axes that disappear:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  np.mean(x, axis={PythonTuple(resolution.ReductionAxes)}, keepdims=True)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  tf.nn.moments(x, axes={List(resolution.ReductionAxes)}, keepdims=True)");
        text.AppendLine();
        text.AppendLine("With a channel-dim-1 API (PyTorch BatchNorm1d, ONNX BatchNormalization), move the kept axes to dim 1:");
        AppendChannelFirst(text, ChannelFirstLayout.For(resolution));
        return text.ToString();
    }

    /// <summary>
    /// <see cref="AxisResolution.Resolve(ReadOnlySpan{int}, AxisSpec)"/>, with <see cref="BatchAxisHint"/> added to an
    /// out-of-range message (still one line), so explain and the explorer's test vectors give the same answer.
    /// </summary>
    /// <param name="shape">The input shape.</param>
    /// <param name="axis">The axis argument.</param>
    /// <returns>The resolution.</returns>
    /// <exception cref="CommandLineValueException">The axis is out of range and fits once the batch axis is put back.</exception>
    /// <exception cref="BatchNormArgumentException">Any other invalid shape or axis (the library's message).</exception>
    public static AxisResolution Resolve(int[] shape, AxisSpec axis)
    {
        try
        {
            return AxisResolution.Resolve(shape, axis);
        }
        catch (BatchNormArgumentException exception) when (exception.Category == BatchNormErrorCategory.AxisOutOfRange
            && BatchAxisHint(shape, axis) is string hint)
        {
            throw new CommandLineValueException($"{exception.Message}; {hint}");
        }
    }

    /// <summary>
    /// The hint for an axis list that looks like np.mean's reduce-axes, or null. It fires when the list spelling
    /// keeps the batch axis 0 and leaves at least one axis out: keeping the batch axis is what a reduce-axes list
    /// does by mistake, and the axes left out are then the ones the user meant to keep.
    /// </summary>
    /// <param name="resolution">The resolved shape and axis.</param>
    /// <returns>One line starting <c>hint:</c>, or null.</returns>
    public static string? ReduceAxesHint(AxisResolution resolution)
    {
        bool keepsBatchAxis = !resolution.KeptAxes.IsEmpty && resolution.KeptAxes[0] == 0;
        if (!resolution.Axis.IsList || !keepsBatchAxis || resolution.ReductionAxes.IsEmpty)
        {
            return null;
        }

        string meant = resolution.ReductionAxes.Length == 1
            ? resolution.ReductionAxes[0].ToString(CultureInfo.InvariantCulture)
            : List(resolution.ReductionAxes);
        return $"hint: did you mean axis={meant}? BatchNormalization's axis lists the axes it KEEPS; {PythonTuple(resolution.KeptAxes)} looks like the axes np.mean would reduce";
    }

    /// <summary>
    /// The hint for an out-of-range axis that fits once the batch axis is put back, or null: it fires when every
    /// out-of-range entry is the rank itself (one past the last axis), which Keras, counting the batch axis, calls
    /// the channels of <c>(N, ...shape)</c>, and the entries stay distinct against that shape. Negative entries never
    /// fire it: -rank-1 would be the batch axis.
    /// </summary>
    /// <param name="shape">The input shape, without the batch axis the user may have left out.</param>
    /// <param name="axis">The axis argument.</param>
    /// <returns>The hint, or null.</returns>
    public static string? BatchAxisHint(ReadOnlySpan<int> shape, AxisSpec axis)
    {
        ArgumentNullException.ThrowIfNull(axis);
        int rank = shape.Length;
        bool onePastTheEnd = axis.Values.Contains(rank);
        bool othersInRange = axis.Values.All(a => a >= -rank && a <= rank);
        // With the batch axis put back a negative entry moves up by one: [3, -1] would name axis 3 twice.
        bool distinctWithBatch = axis.Values.Select(a => a < 0 ? a + rank + 1 : a).Distinct().Count() == axis.Values.Length;
        if (rank == 0 || !onePastTheEnd || !othersInRange || !distinctWithBatch)
        {
            return null;
        }

        string dimensions = string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture, $"did you leave out the batch axis? For an input of shape (N, {dimensions}), axis {rank} is the channels");
    }

    /// <summary>PyTorch spelling: <c>x.permute(0, 3, 1, 2).reshape(8, 3, 1024)</c> and the reverse.</summary>
    private static void AppendChannelFirst(StringBuilder text, ChannelFirstLayout layout)
    {
        string permute = layout.IsIdentity ? "" : $".permute({Join(layout.Permutation)})";
        string unpermute = layout.IsIdentity ? "" : $".permute({Join(layout.InversePermutation)})";
        text.AppendLine(CultureInfo.InvariantCulture, $"  x{permute}.reshape({Join(layout.Shape)})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  y.reshape({Join(layout.PermutedShape)}){unpermute}   # back to the input layout");
    }

    private static string Join(ImmutableArray<int> values) =>
        string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static string KerasVersionNote(AxisResolution resolution)
    {
        if (!resolution.Axis.IsList)
        {
            return $"Keras 3 and tf.keras 2 both accept axis={resolution.Axis}.";
        }

        if (resolution.KeptAxes.Length == 1)
        {
            return $"A list axis is tf.keras 2 only; Keras 3 needs the integer spelling axis={resolution.Axis.Values[0]}, which computes the same.";
        }

        return "A list axis is tf.keras 2 only: Keras 3 takes one integer (int(axis) raises TypeError) and cannot keep several axes.";
    }

    private static void Row(StringBuilder text, string label, string value, string explanation) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  {label,-16} {value,-18} {explanation}");

    private static string Tuple(ImmutableArray<int> values) => ShapeText.Tuple(values.AsSpan());

    private static string List(ImmutableArray<int> values) => ShapeText.List(values.AsSpan());

    /// <summary>NumPy's axis argument takes a tuple; <c>()</c> reduces nothing.</summary>
    private static string PythonTuple(ImmutableArray<int> values) => ShapeText.Tuple(values.AsSpan());

    private static JsonArray ToArray(ImmutableArray<int> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
}
