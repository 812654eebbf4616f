using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// The harness protocol, version 1 (docs/protocol.md): line-delimited JSON over the harness's stdin and stdout.
/// The runner sends <c>start</c>, then one <c>run</c> per case with an increasing <c>seq</c>, then <c>stop</c>.
/// Expected outputs are never sent.
/// </summary>
public static partial class ProtocolMessages
{
    /// <summary>
    /// How replies are written: quotes and non-ASCII text as they are, not as <c>\u0022</c>, so a person reading
    /// <c>bnaxis serve</c> can follow them (control characters are still escaped; replies never go into HTML).
    /// </summary>
    internal static JsonSerializerOptions ReplyOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The feature only invalid cases need; left out of run messages, where it would say that an error is expected.</summary>
    private const string ErrorsFeature = "errors";

    /// <summary>The protocol version this runner speaks.</summary>
    public const int Version = 1;

    /// <summary>The start message.</summary>
    /// <returns>One line of JSON.</returns>
    public static string Start() =>
        new JsonObject { ["cmd"] = "start", ["protocol"] = Version, ["format_version"] = FixtureFormat.Version }.ToJsonString();

    /// <summary>The stop message.</summary>
    /// <returns>One line of JSON.</returns>
    public static string Stop() => new JsonObject { ["cmd"] = "stop" }.ToJsonString();

    /// <summary>
    /// A run message: the case file without its expectations. Nothing in it says an error is expected: an invalid
    /// case goes out as the forward call it is (<c>kind</c> <c>forward</c>), its capabilities without <c>errors</c>
    /// (which only invalid cases need, and which the runner has already checked), and its id and title name the
    /// input only (docs/fixtures.md, "Ids").
    /// </summary>
    /// <param name="seq">The sequence number the answer must echo.</param>
    /// <param name="caseFile">The verified bytes of the case file.</param>
    /// <returns>One line of JSON.</returns>
    public static string Run(int seq, byte[] caseFile)
    {
        JsonObject fixture = JsonNode.Parse(caseFile)!.AsObject();
        fixture.Remove("expected");
        fixture.Remove("error");
        if (fixture["kind"]?.GetValue<string>() == "invalid")
        {
            fixture["kind"] = "forward";
        }

        if (fixture["capabilities"] is JsonArray capabilities)
        {
            fixture["capabilities"] = new JsonArray([.. capabilities.Where(c => c?.GetValue<string>() != ErrorsFeature).Select(c => c?.DeepClone())]);
        }

        if (fixture["steps"] is JsonArray steps)
        {
            foreach (JsonNode? step in steps)
            {
                step!.AsObject().Remove("expected");
            }
        }

        return new JsonObject { ["cmd"] = "run", ["seq"] = seq, ["case"] = fixture }.ToJsonString();
    }

    /// <summary>Writes the answer to <c>start</c> as a harness would (used by <c>bnaxis serve</c>).</summary>
    /// <param name="capabilities">Who answers and what it can do.</param>
    /// <returns>One line of JSON.</returns>
    public static string FormatStartReply(HarnessCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return new JsonObject
        {
            ["protocol"] = Version,
            ["implementation"] = new JsonObject
            {
                ["name"] = capabilities.Name,
                ["version"] = capabilities.Version,
                ["language"] = capabilities.Language,
            },
            ["capabilities"] = new JsonObject
            {
                ["dtypes"] = new JsonArray([.. capabilities.DTypes.Order(StringComparer.Ordinal).Select(d => (JsonNode)d)]),
                ["ranks"] = new JsonArray([.. capabilities.Ranks.Order().Select(r => (JsonNode)r)]),
                ["features"] = new JsonArray([.. HarnessCapabilities.AllFeatures.Where(capabilities.Features.Contains).Select(f => (JsonNode)f)]),
            },
        }.ToJsonString(ReplyOptions);
    }

    /// <summary>The reply of <c>bnaxis serve</c> to a line it cannot answer otherwise (docs/protocol.md, "Error reply").</summary>
    /// <param name="message">What is wrong with the line, one line.</param>
    /// <returns>One line of JSON: <c>{"error": {"message": ...}}</c>.</returns>
    public static string FormatErrorReply(string message) =>
        new JsonObject { ["error"] = new JsonObject { ["message"] = message } }.ToJsonString(ReplyOptions);

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
                        // As JsonNode: a JsonObject argument would bind to the generic JsonArray.Add<T>, which needs reflection (not AOT-safe).
                        steps.Add((JsonNode)Tensors(fixture, response.Outputs, prefix, response.Outputs.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[prefix.Length..])));
                    }

                    reply["steps"] = steps;
                }
                else
                {
                    reply["outputs"] = Tensors(fixture, response.Outputs, "", response.Outputs.Keys.Where(k => !k.StartsWith("steps[", StringComparison.Ordinal)));
                }

                break;
        }

        return reply.ToJsonString(ReplyOptions);
    }

    private static JsonObject Tensors(FixtureCase fixture, ImmutableDictionary<string, double[]> outputs, string prefix, IEnumerable<string> names)
    {
        var tensors = new JsonObject();
        int[] parameterShape = [.. fixture.KeptAxes.Select(a => fixture.Shape[a])];
        foreach (string name in names.Where(n => Expected(fixture, n)).Order(StringComparer.Ordinal))
        {
            double[] values = outputs[prefix + name];
            // A parameter output in the compact parameter shape; one of another length (an implementation that
            // keeps other axes, as the diagnosis's variants do) flat, as the shape its values have.
            int[] shape = name is "y" or "dx" ? [.. fixture.Shape]
                : parameterShape.Aggregate(1L, (product, d) => product * d) == values.Length ? parameterShape
                : [values.Length];
            tensors[name] = new JsonObject
            {
                ["dtype"] = Conformance.DTypes.Name(fixture.DType),
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
                ["data"] = Convert.ToBase64String(Conformance.DTypes.Encode(fixture.DType, values)),
            };
        }

        return tensors;
    }

    /// <summary>
    /// Whether the protocol has a case answer with an output: <c>dgamma</c> only when the layer scales and
    /// <c>dbeta</c> only when it centers (docs/protocol.md, "Run reply"); the executor fills both regardless.
    /// </summary>
    private static bool Expected(FixtureCase fixture, string name) => name switch
    {
        "dgamma" => fixture.Options.Scale,
        "dbeta" => fixture.Options.Center,
        _ => true,
    };
}
