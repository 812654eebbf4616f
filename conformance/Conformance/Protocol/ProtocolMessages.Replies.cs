using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>Reading what a harness answers: every field checked by type and range before use (docs/protocol.md, "Limits").</summary>
public static partial class ProtocolMessages
{
    private static readonly string[] s_replyKinds = ["outputs", "steps", "rejected", "skipped", "unsupported", "errored"];

    /// <summary>Reads the harness's answer to <c>start</c>.</summary>
    /// <param name="line">The line it printed.</param>
    /// <returns>Its identity and capabilities.</returns>
    /// <exception cref="ProtocolException">The answer is not a valid start reply.</exception>
    public static HarnessCapabilities ParseStartReply(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return ParseStartReply(Encoding.UTF8.GetBytes(line));
    }

    /// <summary>Reads the harness's answer to <c>start</c>.</summary>
    /// <param name="line">The UTF-8 bytes of the line it printed.</param>
    /// <returns>Its identity and capabilities.</returns>
    /// <exception cref="ProtocolException">The answer is not a valid start reply.</exception>
    public static HarnessCapabilities ParseStartReply(ReadOnlyMemory<byte> line)
    {
        using JsonDocument document = MessageFields.Parse(line, "start reply", out MessageFields fields);
        JsonElement reply = document.RootElement;
        fields.Integer(MessageFields.Member(reply, "protocol"), "protocol", Version, Version);
        JsonElement implementation = fields.Object(reply, "implementation", "implementation");
        JsonElement capabilities = fields.Object(reply, "capabilities", "capabilities");
        return new HarnessCapabilities(
            fields.String(implementation, "name", "implementation.name", required: true, HarnessText.MaxNameChars)!,
            fields.String(implementation, "version", "implementation.version", required: false, HarnessText.MaxNameChars) ?? "",
            fields.String(implementation, "language", "implementation.language", required: false, HarnessText.MaxNameChars) ?? "",
            [.. Items(fields, capabilities, "dtypes", (item, path) => Known(fields, item, path, HarnessCapabilities.AllDTypes))],
            [.. Items(fields, capabilities, "ranks", (item, path) => fields.Integer(item, path, 1, AxisResolution.MaxRank))],
            [.. Items(fields, capabilities, "features", (item, path) => Known(fields, item, path, HarnessCapabilities.AllFeatures))]);

        static string Known(MessageFields fields, JsonElement item, string path, IReadOnlyList<string> known) =>
            item.ValueKind == JsonValueKind.String && known.Contains(item.GetString()!)
                ? item.GetString()!
                : throw fields.Error(path, item, $"one of {string.Join(", ", known)}");
    }

    /// <summary>Reads the harness's answer to a run message.</summary>
    /// <param name="line">The line it printed.</param>
    /// <param name="seq">The sequence number sent.</param>
    /// <param name="fixture">The case, for its kind and dtype.</param>
    /// <returns>The answer, or the seq of an earlier case it answers again.</returns>
    /// <exception cref="ProtocolException">The answer is malformed, echoes a seq never sent, or has outputs of the wrong dtype or shape.</exception>
    public static RunReply ParseRunReply(string line, int seq, FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(line);
        return ParseRunReply(Encoding.UTF8.GetBytes(line), seq, fixture);
    }

    /// <summary>Reads the harness's answer to a run message.</summary>
    /// <param name="line">The UTF-8 bytes of the line it printed.</param>
    /// <param name="seq">The sequence number sent.</param>
    /// <param name="fixture">The case, for its kind and dtype.</param>
    /// <returns>The answer, or the seq of an earlier case it answers again.</returns>
    /// <exception cref="ProtocolException">The answer is malformed, echoes a seq never sent, or has outputs of the wrong dtype or shape.</exception>
    public static RunReply ParseRunReply(ReadOnlyMemory<byte> line, int seq, FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        using JsonDocument document = MessageFields.Parse(line, "run reply", out MessageFields fields);
        JsonElement reply = document.RootElement;
        if (MessageFields.Member(reply, "seq") is null && MessageFields.Member(reply, "error") is { ValueKind: JsonValueKind.Object } error)
        {
            throw fields.Error($"is an error reply ({fields.String(error, "message", "error.message", required: false) ?? "no message"}): the harness refused the run message");
        }

        int echoed = fields.Integer(MessageFields.Member(reply, "seq"), "seq", 1, int.MaxValue);
        if (echoed > seq)
        {
            throw fields.Error($"has seq {echoed}: expected {seq}");
        }

        if (echoed < seq)
        {
            return new RunReply(echoed, null);
        }

        string[] kinds = [.. s_replyKinds.Where(k => MessageFields.Member(reply, k) is not null)];
        switch (kinds.Length)
        {
            case 0:
                throw fields.Error($"has none of {string.Join(", ", s_replyKinds)}");
            case > 1:
                throw fields.Error($"has both '{kinds[0]}' and '{kinds[1]}': expected exactly one kind of answer");
        }

        string kind = kinds[0];
        JsonElement body = kind == "steps" ? fields.Array(reply, kind, kind) : fields.Object(reply, kind, kind);
        return new RunReply(echoed, kind switch
        {
            "rejected" => CaseResponse.Rejection(
                fields.String(body, "category", "rejected.category", required: true)!,
                fields.String(body, "message", "rejected.message", required: false)),
            "skipped" => CaseResponse.Without(
                ResponseKind.Skipped,
                fields.String(body, "message", "skipped.message", required: false),
                issueUrl: fields.String(body, "issue_url", "skipped.issue_url", required: false)),
            "unsupported" => CaseResponse.Without(
                ResponseKind.Unsupported,
                fields.String(body, "message", "unsupported.message", required: false),
                fields.String(body, "capability", "unsupported.capability", required: true)),
            "errored" => Errored(fields, body),
            _ => Outputs(fields, kind, body, fixture),
        });
    }

    private static List<T> Items<T>(MessageFields fields, JsonElement parent, string name, Func<JsonElement, string, T> read)
    {
        JsonElement array = fields.Array(parent, name, $"capabilities.{name}");
        return array.EnumerateArray().Select((item, i) => read(item, $"capabilities.{name}[{i}]")).ToList();
    }

    private static CaseResponse Errored(MessageFields fields, JsonElement errored)
    {
        string? message = fields.String(errored, "message", "errored.message", required: false);
        string? traceback = fields.String(errored, "traceback", "errored.traceback", required: false);
        return CaseResponse.Without(
            ResponseKind.Errored,
            traceback is null ? message : $"{message}\n{traceback}",
            issueUrl: fields.String(errored, "issue_url", "errored.issue_url", required: false));
    }

    private static CaseResponse Outputs(MessageFields fields, string kind, JsonElement body, FixtureCase fixture)
    {
        bool sequence = fixture.Kind == FixtureKind.Sequence;
        if (sequence != (kind == "steps"))
        {
            throw fields.Error(sequence
                ? "answers a sequence case with 'outputs': expected 'steps', one entry per call"
                : "answers with 'steps' a case that is not a sequence: expected 'outputs'");
        }

        var outputs = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, ImmutableArray<int>>(StringComparer.Ordinal);
        if (!sequence)
        {
            ReadTensors(fields, body, "", fixture, outputs, shapes);
            return CaseResponse.WithOutputs(outputs, shapes);
        }

        int k = 0;
        foreach (JsonElement step in body.EnumerateArray())
        {
            if (step.ValueKind != JsonValueKind.Object)
            {
                throw fields.Error($"steps[{k}]", step, "an object of output tensors");
            }

            ReadTensors(fields, step, $"steps[{k}].", fixture, outputs, shapes);
            k++;
        }

        return CaseResponse.WithOutputs(outputs, shapes);
    }

    private static void ReadTensors(MessageFields fields, JsonElement tensors, string prefix, FixtureCase fixture, Dictionary<string, double[]> outputs, Dictionary<string, ImmutableArray<int>> shapes)
    {
        string dtype = Conformance.DTypes.Name(fixture.DType);
        int itemSize = Conformance.DTypes.ItemSize(fixture.DType);
        foreach (JsonProperty property in tensors.EnumerateObject())
        {
            string name = prefix + HarnessText.Bounded(property.Name, HarnessText.MaxNameChars);
            JsonElement tensor = property.Value;
            if (tensor.ValueKind != JsonValueKind.Object)
            {
                throw fields.Error($"output '{name}'", tensor, "a tensor object {\"dtype\", \"shape\", \"data\"}");
            }

            string dtypeName = fields.String(tensor, "dtype", $"output '{name}' dtype", required: true, HarnessText.MaxNameChars)!;
            if (dtypeName != dtype)
            {
                throw new ProtocolException($"output '{name}' has dtype '{dtypeName}': expected {dtype}, the case's dtype");
            }

            JsonElement shape = fields.Array(tensor, "shape", $"output '{name}' shape");
            if (shape.GetArrayLength() > AxisResolution.MaxRank)
            {
                throw fields.Error($"output '{name}' shape", shape, $"at most {AxisResolution.MaxRank} dimensions");
            }

            int[] dimensions = [.. shape.EnumerateArray().Select((d, i) => fields.Integer(d, $"output '{name}' shape[{i}]", 0, int.MaxValue))];
            if (MessageFields.Member(tensor, "data") is not { ValueKind: JsonValueKind.String } data)
            {
                throw fields.Error($"output '{name}' data", MessageFields.Member(tensor, "data"), "a base64 string");
            }

            if (!data.TryGetBytesFromBase64(out byte[]? bytes))
            {
                throw new ProtocolException($"output '{name}' data is not valid base64");
            }

            if (bytes.Length % itemSize != 0)
            {
                throw new ProtocolException($"output '{name}' holds {bytes.Length} bytes, not a whole number of {dtype} values");
            }

            if (ElementCount(dimensions) != bytes.Length / itemSize)
            {
                throw new ProtocolException($"output '{name}' has shape {ShapeText.Tuple(dimensions)} but {bytes.Length / itemSize} values");
            }

            outputs[name] = Conformance.DTypes.Decode(fixture.DType, bytes);
            shapes[name] = [.. dimensions];
        }
    }

    /// <summary>The product of the dimensions, saturated above <see cref="int.MaxValue"/> (no data can be that long).</summary>
    private static long ElementCount(int[] dimensions)
    {
        long count = 1;
        foreach (int dimension in dimensions)
        {
            count = dimension == 0 ? 0 : Math.Min(count * dimension, (long)int.MaxValue + 1);
        }

        return count;
    }
}
