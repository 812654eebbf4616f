using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// Reads the fields of one received JSON message, each checked by type and range before use. Every failure is a
/// one-line <see cref="ProtocolException"/> naming the field, what it holds and what was expected, and quoting the
/// start of the line. Integers are JSON numbers written without fraction or exponent (<c>200.0</c> and <c>1e2</c>
/// are not), null is never a value, and a repeated key anywhere refuses the whole message.
/// </summary>
internal sealed class MessageFields
{
    private static readonly JsonDocumentOptions s_options = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    private readonly string _what;
    private readonly string _quote;

    private MessageFields(string what, string quote)
    {
        _what = what;
        _quote = quote;
    }

    /// <summary>Parses a line as one JSON object.</summary>
    /// <param name="line">The line's UTF-8 bytes.</param>
    /// <param name="what">What the line is, e.g. <c>run reply</c>, for messages.</param>
    /// <param name="fields">The reader for its fields.</param>
    /// <returns>The document; its root is an object.</returns>
    /// <exception cref="ProtocolException">Not JSON, not an object, or a key repeated.</exception>
    public static JsonDocument Parse(ReadOnlyMemory<byte> line, string what, out MessageFields fields)
    {
        fields = new MessageFields(what, HarnessText.Quote(line.Span));
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, s_options);
        }
        catch (JsonException)
        {
            throw new ProtocolException(RepeatsAKey(line)
                ? $"{what} repeats a key (each key may appear once per object): {fields._quote}"
                : $"{what} is not valid JSON: {fields._quote}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ProtocolException($"{what} is not a JSON object: {fields._quote}");
        }

        return document;
    }

    /// <summary>Whether a line refused by the strict parse is valid JSON but for a repeated key (only on the way to an error).</summary>
    private static bool RepeatsAKey(ReadOnlyMemory<byte> line)
    {
        try
        {
            using JsonDocument lenient = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = s_options.MaxDepth });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A failure naming a field.</summary>
    /// <param name="path">The field, e.g. <c>capabilities.ranks[0]</c>.</param>
    /// <param name="value">What it holds, or null when it is missing.</param>
    /// <param name="expected">What it should hold.</param>
    /// <returns>The exception to throw.</returns>
    public ProtocolException Error(string path, JsonElement? value, string expected) =>
        new($"{_what}: {path} is {Show(value)}: expected {expected}; got: {_quote}");

    /// <summary>A failure in the message's own words.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    public ProtocolException Error(string problem) => new($"{_what} {problem}; got: {_quote}");

    /// <summary>A member, or null when absent.</summary>
    public static JsonElement? Member(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) ? value : null;

    /// <summary>A required object member.</summary>
    public JsonElement Object(JsonElement parent, string name, string path) =>
        Member(parent, name) is { ValueKind: JsonValueKind.Object } value ? value : throw Error(path, Member(parent, name), "an object");

    /// <summary>A required array member.</summary>
    public JsonElement Array(JsonElement parent, string name, string path) =>
        Member(parent, name) is { ValueKind: JsonValueKind.Array } value ? value : throw Error(path, Member(parent, name), "an array");

    /// <summary>A string member, kept to <paramref name="limit"/> characters; null when absent and optional.</summary>
    public string? String(JsonElement parent, string name, string path, bool required, int limit = HarnessText.MaxMessageChars)
    {
        JsonElement? value = Member(parent, name);
        if (value is null && !required)
        {
            return null;
        }

        return value is { ValueKind: JsonValueKind.String } text
            ? HarnessText.Bounded(text.GetString(), limit)
            : throw Error(path, value, "a string");
    }

    /// <summary>An integer within a range.</summary>
    public int Integer(JsonElement? value, string path, int minimum, int maximum) =>
        value is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out long integer) && integer >= minimum && integer <= maximum
            ? (int)integer
            : throw Error(path, value, $"an integer from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>What a value holds, for a message: <c>missing</c>, <c>null</c>, or the start of its JSON text.</summary>
    private static string Show(JsonElement? value) => value switch
    {
        null => "missing",
        { ValueKind: JsonValueKind.Null } => "null",
        { } present => HarnessText.Quote(JsonMarshal.GetRawUtf8Value(present)),
    };
}
