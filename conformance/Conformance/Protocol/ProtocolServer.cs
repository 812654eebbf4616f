using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// The harness side of the protocol for a built-in implementation (<c>bnaxis serve</c>): one reply line to every
/// line read, until <c>stop</c> or end of input. A line that is not a usable message gets an error reply
/// (<c>{"error": {"message": ...}}</c>) and a run message whose case cannot be run an <c>errored</c> reply; either
/// way the server goes on serving. Nothing a line holds can make it allocate beyond the line's own size.
/// </summary>
public sealed class ProtocolServer
{
    private readonly IBatchNormalization _implementation;
    private readonly int _maxLineBytes;
    private readonly HarnessCapabilities _capabilities;

    /// <summary>Creates a server.</summary>
    /// <param name="implementation">The implementation to serve.</param>
    /// <param name="maxLineBytes">The longest line read, in bytes; a longer one gets an error reply.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLineBytes"/> is not positive.</exception>
    public ProtocolServer(IBatchNormalization implementation, int maxLineBytes = HarnessLimits.DefaultMaxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(implementation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineBytes);
        _implementation = implementation;
        _maxLineBytes = maxLineBytes;
        _capabilities = HarnessCapabilities.BuiltIn($"bnaxis-{implementation.Name}");
    }

    /// <summary>Serves until <c>stop</c> or end of input.</summary>
    /// <param name="input">The runner's messages.</param>
    /// <param name="output">Where replies go, one line each.</param>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public void Serve(Stream input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var reader = new BoundedLineReader(input, _maxLineBytes);
        while (reader.ReadLine() is { } line)
        {
            if (Answer(line) is not { } reply)
            {
                return;
            }

            output.Write(reply);
            output.Write('\n');
            output.Flush();
        }
    }

    /// <summary>The reply to one line.</summary>
    /// <param name="line">The line as read.</param>
    /// <returns>One line of JSON; null for <c>stop</c>, which is not answered.</returns>
    public string? Answer(ReceivedLine line)
    {
        if (line.TooLong)
        {
            return ProtocolMessages.FormatErrorReply($"a line of {line.Length.ToString(CultureInfo.InvariantCulture)} bytes, longer than the limit of {_maxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes");
        }

        try
        {
            using JsonDocument document = MessageFields.Parse(line.Bytes, "message", out MessageFields fields);
            JsonElement message = document.RootElement;
            return fields.String(message, "cmd", "cmd", required: true, HarnessText.MaxNameChars) switch
            {
                "start" => Start(message, fields),
                "run" => Run(message, fields, line.Length),
                "stop" => null,
                var other => throw fields.Error("cmd", MessageFields.Member(message, "cmd"), "start, run or stop"),
            };
        }
        catch (ProtocolException exception)
        {
            return ProtocolMessages.FormatErrorReply(exception.Message);
        }
    }

    private string Start(JsonElement message, MessageFields fields)
    {
        fields.Integer(MessageFields.Member(message, "protocol"), "protocol", ProtocolMessages.Version, ProtocolMessages.Version);
        return ProtocolMessages.FormatStartReply(_capabilities);
    }

    private string Run(JsonElement message, MessageFields fields, long lineLength)
    {
        int seq = fields.Integer(MessageFields.Member(message, "seq"), "seq", 1, int.MaxValue);
        JsonElement fixtureJson = fields.Object(message, "case", "case");
        try
        {
            CheckFits(fixtureJson, lineLength);
            FixtureCase fixture = FixtureJsonReader.Read(JsonMarshal.GetRawUtf8Value(fixtureJson), "run message", requireExpectations: false);
            return ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, _implementation));
        }
        catch (Exception exception) when (exception is FixtureFormatException or InvalidDataException)
        {
            return Errored(seq, exception.Message);
        }
#pragma warning disable CA1031 // Whatever goes wrong with one case is answered as that case's error; the server goes on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Errored(seq, $"bnaxis serve could not run the case: {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>
    /// Refuses a case whose dtype is not a float dtype, or any of whose shapes has more than
    /// <see cref="AxisResolution.MaxRank"/> dimensions or more elements than the line has bytes, before anything
    /// is allocated for it: a 30-byte line cannot carry the data of a [65536, 65536] tensor.
    /// </summary>
    private static void CheckFits(JsonElement fixture, long lineLength)
    {
        if (MessageFields.Member(fixture, "dtype") is not { ValueKind: JsonValueKind.String } dtype || !HarnessCapabilities.AllDTypes.Contains(dtype.GetString()!))
        {
            throw new InvalidDataException($"run message: case dtype is {Show(MessageFields.Member(fixture, "dtype"))}: expected one of {string.Join(", ", HarnessCapabilities.AllDTypes)}");
        }

        CheckShapes(fixture, "case", lineLength);
    }

    private static void CheckShapes(JsonElement element, string path, long lineLength)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                CheckShapes(item, $"{path}[{i++}]", lineLength);
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name == "shape" && property.Value.ValueKind == JsonValueKind.Array)
                {
                    CheckShape(property.Value, $"{path}.shape", lineLength);
                }
                else
                {
                    CheckShapes(property.Value, $"{path}.{property.Name}", lineLength);
                }
            }
        }
    }

    private static void CheckShape(JsonElement shape, string path, long lineLength)
    {
        if (shape.GetArrayLength() > AxisResolution.MaxRank)
        {
            throw new InvalidDataException($"run message: {path} has {shape.GetArrayLength()} dimensions: expected at most {AxisResolution.MaxRank}");
        }

        long elements = 1;
        foreach (JsonElement dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int size) || size < 0)
            {
                throw new InvalidDataException($"run message: {path} holds {Show(dimension)}: expected non-negative integers");
            }

            elements = size == 0 ? 0 : Math.Min(elements * size, lineLength + 1);
        }

        if (elements > lineLength)
        {
            throw new InvalidDataException($"run message: {path} {Show(shape)} has more elements than the line has bytes ({lineLength.ToString(CultureInfo.InvariantCulture)}): its data cannot be there");
        }
    }

    private static string Show(JsonElement? value) => value is { } present ? HarnessText.Quote(JsonMarshal.GetRawUtf8Value(present)) : "missing";

    private static string Errored(int seq, string message) =>
        new JsonObject { ["seq"] = seq, ["errored"] = new JsonObject { ["message"] = HarnessText.Bounded(message) } }.ToJsonString(ProtocolMessages.ReplyOptions);
}
