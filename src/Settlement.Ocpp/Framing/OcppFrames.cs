using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Settlement.Ocpp.Framing;

/// <summary>Reads and writes OCPP-J RPC frames (OCPP-J 1.6 §4, OCPP 2.0.1 Part 4 §4).</summary>
public static partial class OcppFrames
{
    /// <summary>
    /// The message id of a CALLERROR that answers a message whose own id could not be read.
    /// 2.0.1 Part 4 §4.2.3 prescribes "-1". OCPP-J 1.6 does not say, but its CALLERROR still needs a string id
    /// and we have none to echo. We use "-1" there as well. Chargers number their CALLs with UUIDs or counters
    /// from 1, so "-1" cannot be taken as the answer to one of their requests, and we follow the same rule on
    /// both versions, the one 2.0.1 later wrote down.
    /// </summary>
    public const string UnreadableMessageId = "-1";

    /// <summary>The longest message id either version allows ("string[36]", to fit a UUID).</summary>
    public const int MaxMessageIdLength = 36;

    /// <summary>The longest CALLERROR description 2.0.1 allows ("string[255]"); longer ones are cut when written.</summary>
    public const int MaxErrorDescriptionLength = 255;

    private const int CallType = 2;
    private const int CallResultType = 3;
    private const int CallErrorType = 4;

    // Duplicate keys would otherwise pass parsing and only throw when the payload is first read.
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Whether a message opens as a CALL (<c>[2,</c>), read from its first two tokens without decoding the rest.
    /// Anything else, malformed input included, is not.
    /// </summary>
    public static bool StartsAsCall(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartArray
                && reader.Read() && reader.TokenType == JsonTokenType.Number
                && reader.TryGetInt32(out var messageType) && messageType == CallType;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses one WebSocket text message. Malformed input never throws; it comes back as an
    /// <see cref="OcppFrameError"/> that carries the error code this protocol version expects.
    /// </summary>
    public static OcppParseResult Parse(string text, OcppProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(text);
        var formatViolation = OcppErrorCodes.FormatViolationFor(protocol);

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: StrictJson);
        }
        catch (JsonException e)
        {
            return new OcppFrameError(null, formatViolation, $"Message is not valid JSON: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Lone UTF-16 surrogates: raw ones cannot be transcoded to UTF-8 (ArgumentException), and escaped
            // ones in property names fail when the duplicate-name check reads the name (InvalidOperationException).
            return new OcppFrameError(null, formatViolation, $"Message is not valid Unicode text: {e.Message}");
        }

        if (EscapedSurrogate().IsMatch(text) && ReadsAsInvalidUnicode(root) is { } invalid)
            return new OcppFrameError(null, formatViolation, $"Message is not valid Unicode text: {invalid}");

        if (root is not JsonArray frame)
            return new OcppFrameError(null, formatViolation, "Message is not a JSON array.");

        var messageId = ReadMessageId(frame);
        if (frame.Count == 0 || !IsNumber(frame[0]) || !frame[0]!.AsValue().TryGetValue(out long messageType))
            return new OcppFrameError(messageId, formatViolation, "The first element must be the integer message type (2, 3 or 4).");

        if (messageType is not (CallType or CallResultType or CallErrorType))
        {
            return new OcppFrameError(messageId, OcppErrorCodes.MessageTypeNotSupportedFor(protocol),
                $"Message type {messageType} is not supported; expected 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR).");
        }

        // 2.0.1's RpcFrameworkError ("MessageId could not be read") would fit here too. We send the format
        // code that every other malformed frame gets, so the code depends on what is wrong with the frame,
        // not on whether its id could still be read.
        if (messageId is null)
            return new OcppFrameError(null, formatViolation, DescribeUnreadableMessageId(frame));

        var error = messageType switch
        {
            CallType => CheckShape(frame, "CALL", 4, action: 2, payload: 3),
            CallResultType => CheckShape(frame, "CALLRESULT", 3, action: null, payload: 2),
            _ => CheckCallErrorShape(frame),
        };
        if (error is not null)
            return new OcppFrameError(messageId, formatViolation, error);

        // Detach the payload from the frame array, so callers can put it into other JSON trees.
        var elements = frame.ToArray();
        frame.Clear();
        return messageType switch
        {
            CallType => new OcppCall(messageId, StringOf(elements[2]), ObjectOf(elements[3])),
            CallResultType => new OcppCallResult(messageId, ObjectOf(elements[2])),
            _ => new OcppCallError(messageId, StringOf(elements[2]), StringOf(elements[3]), ObjectOf(elements[4])),
        };
    }

    /// <summary><c>[2,"id","Action",{...}]</c> as compact JSON.</summary>
    public static string Serialize(OcppCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Write(writer =>
        {
            writer.WriteNumberValue(CallType);
            writer.WriteStringValue(call.MessageId);
            writer.WriteStringValue(call.Action);
            call.Payload.WriteTo(writer);
        });
    }

    /// <summary><c>[3,"id",{...}]</c> as compact JSON.</summary>
    public static string Serialize(OcppCallResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Write(writer =>
        {
            writer.WriteNumberValue(CallResultType);
            writer.WriteStringValue(result.MessageId);
            result.Payload.WriteTo(writer);
        });
    }

    /// <summary>
    /// <c>[4,"id","code","description",{...}]</c> as compact JSON. The description is cut to
    /// <see cref="MaxErrorDescriptionLength"/> characters, so everything we send meets 2.0.1's limit.
    /// </summary>
    public static string Serialize(OcppCallError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Write(writer =>
        {
            writer.WriteNumberValue(CallErrorType);
            writer.WriteStringValue(error.MessageId);
            writer.WriteStringValue(error.ErrorCode);
            writer.WriteStringValue(Truncate(error.Description, MaxErrorDescriptionLength));
            error.Details.WriteTo(writer);
        });
    }

    private static string Write(Action<Utf8JsonWriter> writeElements)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writeElements(writer);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // "\ud800" is valid JSON grammar but decodes to a lone surrogate. System.Text.Json accepts it while parsing
    // and throws only when the string is read, which would be wherever the payload is next used. Only such
    // escapes can produce one (a raw lone surrogate already fails the UTF-8 transcoding), so the full walk
    // runs only when the text contains one.
    [GeneratedRegex(@"\\u[dD][89a-fA-F]")]
    private static partial Regex EscapedSurrogate();

    private static string? ReadsAsInvalidUnicode(JsonNode? node)
    {
        try
        {
            ReadAllStrings(node);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    private static void ReadAllStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                    ReadAllStrings(value);
                break;
            case JsonArray array:
                foreach (var item in array)
                    ReadAllStrings(item);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>();
                break;
        }
    }

    private static string? ReadMessageId(JsonArray frame) =>
        frame.Count >= 2 && IsString(frame[1]) && StringOf(frame[1]) is { Length: > 0 and <= MaxMessageIdLength } id
            ? id
            : null;

    private static string DescribeUnreadableMessageId(JsonArray frame)
    {
        if (frame.Count < 2)
            return "The message id is missing.";
        if (!IsString(frame[1]))
            return "The message id must be a string.";
        var length = StringOf(frame[1]).Length;
        return length == 0
            ? "The message id is empty."
            : $"The message id is {length} characters long; at most {MaxMessageIdLength} are allowed.";
    }

    private static string? CheckShape(JsonArray frame, string kind, int length, int? action, int payload)
    {
        if (frame.Count != length)
            return $"A {kind} must have {length} elements, not {frame.Count}.";
        if (action is { } a && !(IsString(frame[a]) && StringOf(frame[a]).Length > 0))
            return "The action must be a non-empty string.";
        return IsPayload(frame[payload]) ? null : "The payload must be a JSON object.";
    }

    private static string? CheckCallErrorShape(JsonArray frame)
    {
        if (frame.Count != 5)
            return $"A CALLERROR must have 5 elements, not {frame.Count}.";
        if (!(IsString(frame[2]) && StringOf(frame[2]).Length > 0))
            return "The error code must be a non-empty string.";
        if (!IsString(frame[3]))
            return "The error description must be a string.";
        return IsPayload(frame[4]) ? null : "The error details must be a JSON object.";
    }

    private static bool IsString(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String;

    private static bool IsNumber(JsonNode? node) => node?.GetValueKind() == JsonValueKind.Number;

    // OCPP-J 1.6 §4.2.1 and 2.0.1 Part 4 §4.1.5 allow null as well as {} for "no payload".
    private static bool IsPayload(JsonNode? node) => node is null or JsonObject;

    private static string StringOf(JsonNode? node) => node!.GetValue<string>();

    private static JsonObject ObjectOf(JsonNode? node) => node as JsonObject ?? new JsonObject();

    private static string Truncate(string text, int maxLength)
    {
        if (text.Length <= maxLength)
            return text;
        // Never split a surrogate pair: half of one cannot be encoded as UTF-8.
        var cut = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        return text[..cut];
    }
}
