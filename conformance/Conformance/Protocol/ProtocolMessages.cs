using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// The harness protocol, version 1 (docs/protocol.md): line-delimited JSON over the harness's stdin and stdout.
/// The runner sends <c>start</c>, then one <c>run</c> per case with an increasing <c>seq</c>, then <c>stop</c>.
/// Expected outputs are never sent.
/// </summary>
public static class ProtocolMessages
{
    /// <summary>The protocol version this runner speaks.</summary>
    public const int Version = 1;

    /// <summary>The start message.</summary>
    /// <returns>One line of JSON.</returns>
    public static string Start() =>
        new JsonObject { ["cmd"] = "start", ["protocol"] = Version, ["format_version"] = FixtureFormat.Version }.ToJsonString();

    /// <summary>The stop message.</summary>
    /// <returns>One line of JSON.</returns>
    public static string Stop() => new JsonObject { ["cmd"] = "stop" }.ToJsonString();

    /// <summary>A run message: the case file without its expectations.</summary>
    /// <param name="seq">The sequence number the answer must echo.</param>
    /// <param name="caseFile">The verified bytes of the case file.</param>
    /// <returns>One line of JSON.</returns>
    public static string Run(int seq, byte[] caseFile)
    {
        JsonObject fixture = JsonNode.Parse(caseFile)!.AsObject();
        fixture.Remove("expected");
        fixture.Remove("error");
        if (fixture["steps"] is JsonArray steps)
        {
            foreach (JsonNode? step in steps)
            {
                step!.AsObject().Remove("expected");
            }
        }

        return new JsonObject { ["cmd"] = "run", ["seq"] = seq, ["case"] = fixture }.ToJsonString();
    }

    /// <summary>Reads the harness's answer to <c>start</c>.</summary>
    /// <param name="line">The line it printed.</param>
    /// <returns>Its identity and capabilities.</returns>
    /// <exception cref="ProtocolException">The answer is not a valid start reply.</exception>
    public static HarnessCapabilities ParseStartReply(string line)
    {
        JsonObject reply = ParseObject(line, "start reply");
        if (reply["protocol"]?.GetValueKind() != JsonValueKind.Number || reply["protocol"]!.GetValue<int>() != Version)
        {
            throw new ProtocolException($"start reply has protocol {reply["protocol"]?.ToJsonString() ?? "(none)"}: expected {Version}; got: {Quote(line)}");
        }

        JsonObject implementation = reply["implementation"] as JsonObject ?? throw new ProtocolException($"start reply has no 'implementation' object: {Quote(line)}");
        JsonObject capabilities = reply["capabilities"] as JsonObject ?? throw new ProtocolException($"start reply has no 'capabilities' object: {Quote(line)}");
        try
        {
            return new HarnessCapabilities(
                implementation["name"]?.GetValue<string>() ?? "unnamed",
                implementation["version"]?.GetValue<string>() ?? "",
                implementation["language"]?.GetValue<string>() ?? "",
                [.. (capabilities["dtypes"] as JsonArray ?? []).Select(d => d!.GetValue<string>())],
                [.. (capabilities["ranks"] as JsonArray ?? []).Select(r => r!.GetValue<int>())],
                [.. (capabilities["features"] as JsonArray ?? []).Select(f => f!.GetValue<string>())]);
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            throw new ProtocolException($"start reply is malformed ({exception.Message}): {Quote(line)}");
        }
    }

    /// <summary>Reads the harness's answer to a run message.</summary>
    /// <param name="line">The line it printed.</param>
    /// <param name="seq">The sequence number sent.</param>
    /// <param name="fixture">The case, for the expected output names, dtypes and shapes.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ProtocolException">The answer is malformed, echoes the wrong seq, or has outputs of the wrong dtype or shape.</exception>
    public static CaseResponse ParseRunReply(string line, int seq, FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        JsonObject reply = ParseObject(line, "run reply");
        int? echoed = reply["seq"]?.GetValueKind() == JsonValueKind.Number ? reply["seq"]!.GetValue<int>() : null;
        if (echoed != seq)
        {
            throw new ProtocolException($"run reply has seq {(echoed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)")}: expected {seq}; got: {Quote(line)}");
        }

        try
        {
            if (reply["rejected"] is JsonObject rejected)
            {
                return CaseResponse.Rejection(rejected["category"]?.GetValue<string>() ?? "", rejected["message"]?.GetValue<string>());
            }

            if (reply["skipped"] is JsonObject skipped)
            {
                return CaseResponse.Without(ResponseKind.Skipped, skipped["message"]?.GetValue<string>(), issueUrl: skipped["issue_url"]?.GetValue<string>());
            }

            if (reply["unsupported"] is JsonObject unsupported)
            {
                return CaseResponse.Without(ResponseKind.Unsupported, unsupported["message"]?.GetValue<string>(), unsupported["capability"]?.GetValue<string>() ?? "unspecified");
            }

            if (reply["errored"] is JsonObject errored)
            {
                string? traceback = errored["traceback"]?.GetValue<string>();
                return CaseResponse.Without(ResponseKind.Errored, errored["message"]?.GetValue<string>() + (traceback is null ? "" : $"\n{traceback}"), issueUrl: errored["issue_url"]?.GetValue<string>());
            }

            var outputs = new Dictionary<string, double[]>(StringComparer.Ordinal);
            if (fixture.Kind == FixtureKind.Sequence)
            {
                JsonArray steps = reply["steps"] as JsonArray ?? throw new ProtocolException($"run reply for a sequence case has no 'steps' array: {Quote(line)}");
                for (int k = 0; k < steps.Count; k++)
                {
                    ReadOutputs(steps[k] as JsonObject ?? throw new ProtocolException($"steps[{k}] is not an object: {Quote(line)}"), $"steps[{k}].", fixture, outputs, line);
                }
            }
            else
            {
                ReadOutputs(reply["outputs"] as JsonObject ?? throw new ProtocolException($"run reply has none of outputs, steps, rejected, skipped, unsupported, errored: {Quote(line)}"), "", fixture, outputs, line);
            }

            return CaseResponse.WithOutputs(outputs);
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            throw new ProtocolException($"run reply is malformed ({exception.Message}): {Quote(line)}");
        }
    }

    /// <summary>Writes an answer as a harness would (used by <c>bnaxis serve</c>).</summary>
    /// <param name="seq">The sequence number to echo.</param>
    /// <param name="fixture">The case answered.</param>
    /// <param name="response">The answer.</param>
    /// <returns>One line of JSON.</returns>
    public static string FormatRunReply(int seq, FixtureCase fixture, CaseResponse response)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(response);
        var reply = new JsonObject { ["seq"] = seq };
        switch (response.Kind)
        {
            case ResponseKind.Rejected:
                reply["rejected"] = new JsonObject { ["category"] = response.Category, ["message"] = response.Message };
                break;
            case ResponseKind.Skipped:
                reply["skipped"] = new JsonObject { ["message"] = response.Message, ["issue_url"] = response.IssueUrl };
                break;
            case ResponseKind.Unsupported:
                reply["unsupported"] = new JsonObject { ["capability"] = response.Category, ["message"] = response.Message };
                break;
            case ResponseKind.Errored:
                reply["errored"] = new JsonObject { ["message"] = response.Message };
                break;
            default:
                if (fixture.Kind == FixtureKind.Sequence)
                {
                    var steps = new JsonArray();
                    for (int k = 0; k < fixture.Steps.Length; k++)
                    {
                        string prefix = $"steps[{k}].";
                        steps.Add(Tensors(fixture, response.Outputs, prefix, response.Outputs.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[prefix.Length..])));
                    }

                    reply["steps"] = steps;
                }
                else
                {
                    reply["outputs"] = Tensors(fixture, response.Outputs, "", response.Outputs.Keys.Where(k => !k.StartsWith("steps[", StringComparison.Ordinal)));
                }

                break;
        }

        return reply.ToJsonString();
    }

    private static JsonObject Tensors(FixtureCase fixture, ImmutableDictionary<string, double[]> outputs, string prefix, IEnumerable<string> names)
    {
        var tensors = new JsonObject();
        foreach (string name in names.Order(StringComparer.Ordinal))
        {
            double[] values = outputs[prefix + name];
            int[] shape = name is "y" or "dx" ? [.. fixture.Shape] : [values.Length];
            tensors[name] = new JsonObject
            {
                ["dtype"] = Conformance.DTypes.Name(fixture.DType),
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
                ["data"] = Convert.ToBase64String(Conformance.DTypes.Encode(fixture.DType, values)),
            };
        }

        return tensors;
    }

    private static void ReadOutputs(JsonObject tensors, string prefix, FixtureCase fixture, Dictionary<string, double[]> outputs, string line)
    {
        foreach ((string name, JsonNode? node) in tensors)
        {
            JsonObject tensor = node as JsonObject ?? throw new ProtocolException($"output '{prefix}{name}' is not a tensor object: {Quote(line)}");
            string dtypeName = tensor["dtype"]?.GetValue<string>() ?? "";
            if (dtypeName != Conformance.DTypes.Name(fixture.DType))
            {
                throw new ProtocolException($"output '{prefix}{name}' has dtype '{dtypeName}': expected {Conformance.DTypes.Name(fixture.DType)}, the case's dtype");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(tensor["data"]?.GetValue<string>() ?? "");
            }
            catch (FormatException)
            {
                throw new ProtocolException($"output '{prefix}{name}' data is not valid base64");
            }

            int itemSize = Conformance.DTypes.ItemSize(fixture.DType);
            if (bytes.Length % itemSize != 0)
            {
                throw new ProtocolException($"output '{prefix}{name}' holds {bytes.Length} bytes, not a whole number of {dtypeName} values");
            }

            int[] shape = tensor["shape"] is JsonArray dimensions ? [.. dimensions.Select(d => d!.GetValue<int>())] : [];
            if (shape.Aggregate(1L, (p, d) => p * d) * itemSize != bytes.Length)
            {
                throw new ProtocolException($"output '{prefix}{name}' has shape {ShapeText.Tuple(shape)} but {bytes.Length / itemSize} values");
            }

            outputs[prefix + name] = Conformance.DTypes.Decode(fixture.DType, bytes);
        }
    }

    private static JsonObject ParseObject(string line, string what)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new ProtocolException($"{what} is not a JSON object: {Quote(line)}");
        }
        catch (JsonException)
        {
            throw new ProtocolException($"{what} is not valid JSON: {Quote(line)}");
        }
    }

    /// <summary>The line as received, cut to 200 characters for a one-line message.</summary>
    private static string Quote(string line) =>
        line.Length <= 200 ? line.ReplaceLineEndings(" ") : string.Concat(line.AsSpan(0, 200), "... (", line.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), " characters)").ReplaceLineEndings(" ");
}
