namespace BatchNormAxis.Harnesses.OnnxRuntime;

/// <summary>
/// Builds the ONNX model of one Keras BatchNormalization call: the keep-set adapter of docs/porting.md ("Layout")
/// inside the graph, <c>X → Transpose(perm = R + K) → Reshape(prod R, prod K) → BatchNormalization(training_mode)
/// → Reshape(permuted shape) → Transpose(inverse)</c>, the transposes omitted when the permutation is the identity.
/// Graph inputs are X, scale, B, mean, var (the last four of shape [prod K]); outputs Y, and in training mode
/// running_mean and running_var. Opset 15, IR version 8. The bytes are the ModelProto protobuf, written by
/// <see cref="ProtoWriter"/> (field numbers from onnx/onnx.proto). <see cref="ChannelsFirstBatchNormalization"/> is
/// the transpose-free graph of a keep-set of consecutive axes, for the peer benchmark (scripts/compat/PeerBench).
/// </summary>
internal static class OnnxGraph
{
    /// <summary>ONNX TensorProto.DataType codes.</summary>
    public const int Float = 1;

    /// <summary>int64.</summary>
    public const int Int64 = 7;

    /// <summary>float16.</summary>
    public const int Float16 = 10;

    /// <summary>float64.</summary>
    public const int Double = 11;

    /// <summary>bfloat16.</summary>
    public const int BFloat16 = 16;

    private const int AttributeFloat = 1;
    private const int AttributeInt = 2;
    private const int AttributeInts = 7;

    public static byte[] BatchNormalization(IReadOnlyList<long> shape, IReadOnlyList<int> kept, int elementType, bool training, float momentum, float epsilon)
    {
        int rank = shape.Count;
        int[] reduced = [.. Enumerable.Range(0, rank).Where(a => !kept.Contains(a))];
        int[] perm = [.. reduced, .. kept];
        long[] permutedShape = [.. perm.Select(a => shape[a])];
        long rows = reduced.Aggregate(1L, (p, a) => p * shape[a]);
        long channels = kept.Aggregate(1L, (p, a) => p * shape[a]);
        bool identity = perm.Select((a, i) => a == i).All(same => same);

        var nodes = new List<byte[]>();
        string current = "X";
        if (!identity)
        {
            nodes.Add(Node("Transpose", [current], ["X_permuted"], Ints("perm", perm.Select(p => (long)p))));
            current = "X_permuted";
        }

        nodes.Add(Node("Reshape", [current, "shape_2d"], ["X_2d"]));
        nodes.Add(BatchNormalizationNode("X_2d", "Y_2d", training, momentum, epsilon));
        nodes.Add(Node("Reshape", ["Y_2d", "shape_permuted"], [identity ? "Y" : "Y_permuted"]));
        if (!identity)
        {
            int[] inverse = [.. Enumerable.Range(0, rank).Select(a => Array.IndexOf(perm, a))];
            nodes.Add(Node("Transpose", ["Y_permuted"], ["Y"], Ints("perm", inverse.Select(p => (long)p))));
        }

        return Model(nodes, [("shape_2d", [rows, channels]), ("shape_permuted", permutedShape)], shape, channels, elementType, training);
    }

    /// <summary>
    /// BatchNormalization as ONNX defines it, channels at axis 1 of <paramref name="channelsFirstShape"/>, without a
    /// transpose: <c>X → Reshape(channelsFirstShape) → BatchNormalization → Reshape(shape)</c>, the reshapes omitted
    /// when the shapes are equal. Any keep-set of consecutive axes has such a view, (product of the axes before, of the
    /// kept axes, of the axes after): axis 1 of NCHW is X as it is, axis 0 of (32, 56, 56, 64) is (1, 32, 200704).
    /// Same inputs and outputs as <see cref="BatchNormalization"/>.
    /// </summary>
    public static byte[] ChannelsFirstBatchNormalization(IReadOnlyList<long> shape, IReadOnlyList<long> channelsFirstShape, int elementType, bool training, float momentum, float epsilon)
    {
        bool same = shape.SequenceEqual(channelsFirstShape);
        var nodes = new List<byte[]>();
        if (!same)
        {
            nodes.Add(Node("Reshape", ["X", "shape_channels_first"], ["X_channels_first"]));
        }

        nodes.Add(BatchNormalizationNode(same ? "X" : "X_channels_first", same ? "Y" : "Y_channels_first", training, momentum, epsilon));
        if (!same)
        {
            nodes.Add(Node("Reshape", ["Y_channels_first", "shape_x"], ["Y"]));
        }

        (string, long[])[] shapes = same ? [] : [("shape_channels_first", [.. channelsFirstShape]), ("shape_x", [.. shape])];
        return Model(nodes, shapes, shape, channelsFirstShape[1], elementType, training);
    }

    private static byte[] BatchNormalizationNode(string x, string y, bool training, float momentum, float epsilon) => Node(
        "BatchNormalization",
        [x, "scale", "B", "mean", "var"],
        training ? [y, "running_mean", "running_var"] : [y],
        FloatAttribute("epsilon", epsilon),
        FloatAttribute("momentum", momentum),
        IntAttribute("training_mode", training ? 1 : 0));

    /// <summary>The ModelProto around the nodes: int64 initializers (the shapes of Reshape), inputs X, scale, B, mean, var and outputs Y (and running_mean, running_var in training).</summary>
    private static byte[] Model(List<byte[]> nodes, (string Name, long[] Values)[] shapes, IReadOnlyList<long> shape, long channels, int elementType, bool training)
    {
        var graph = new ProtoWriter();
        foreach (byte[] node in nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, "keras_batch_normalization");
        foreach ((string name, long[] values) in shapes)
        {
            graph.Message(5, Int64Initializer(name, values));
        }

        graph.Message(11, ValueInfo("X", elementType, shape));
        foreach (string name in new[] { "scale", "B", "mean", "var" })
        {
            graph.Message(11, ValueInfo(name, elementType, [channels]));
        }

        graph.Message(12, ValueInfo("Y", elementType, shape));
        if (training)
        {
            graph.Message(12, ValueInfo("running_mean", elementType, [channels]));
            graph.Message(12, ValueInfo("running_var", elementType, [channels]));
        }

        var opset = new ProtoWriter();
        opset.String(1, string.Empty);
        opset.Int(2, 15);

        var model = new ProtoWriter();
        model.Int(1, 8);
        model.String(2, "bnaxis-ort-harness");
        model.Message(7, graph.ToArray());
        model.Message(8, opset.ToArray());
        return model.ToArray();
    }

    private static byte[] Node(string opType, string[] inputs, string[] outputs, params byte[][] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        foreach (string output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, opType + "_" + outputs[0]);
        node.String(4, opType);
        foreach (byte[] attribute in attributes)
        {
            node.Message(5, attribute);
        }

        return node.ToArray();
    }

    private static byte[] FloatAttribute(string name, float value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Float(2, value);
        attribute.Int(20, AttributeFloat);
        return attribute.ToArray();
    }

    private static byte[] IntAttribute(string name, long value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Int(3, value);
        attribute.Int(20, AttributeInt);
        return attribute.ToArray();
    }

    private static byte[] Ints(string name, IEnumerable<long> values)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        foreach (long value in values)
        {
            attribute.Int(8, value);
        }

        attribute.Int(20, AttributeInts);
        return attribute.ToArray();
    }

    private static byte[] Int64Initializer(string name, long[] values)
    {
        var tensor = new ProtoWriter();
        tensor.Int(1, values.Length);
        tensor.Int(2, Int64);
        tensor.String(8, name);
        byte[] raw = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        tensor.Bytes(9, raw);
        return tensor.ToArray();
    }

    private static byte[] ValueInfo(string name, int elementType, IEnumerable<long> shape)
    {
        var dims = new ProtoWriter();
        foreach (long dim in shape)
        {
            var dimension = new ProtoWriter();
            dimension.Int(1, dim);
            dims.Message(1, dimension.ToArray());
        }

        var tensorType = new ProtoWriter();
        tensorType.Int(1, elementType);
        tensorType.Message(2, dims.ToArray());
        var type = new ProtoWriter();
        type.Message(1, tensorType.ToArray());
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type.ToArray());
        return info.ToArray();
    }
}
