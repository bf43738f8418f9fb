using System.Text.Json.Nodes;
using CsCheck;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_frame_property_tests
{
    private static readonly OcppProtocol[] Protocols = [OcppProtocol.Ocpp16, OcppProtocol.Ocpp201];

    // Letters, digits, punctuation JSON must escape, non-ASCII and a surrogate pair, but no lone surrogates:
    // those are not text, and Utf8JsonWriter refuses to write them.
    private static readonly Gen<string> Text = Gen.Select(Gen.Char["abcXYZ019 -_.:/\\\"'<>&\tüß漢"].Array[0, 12], Gen.Bool,
        (chars, emoji) => emoji ? new string(chars) + "😀" : new string(chars));

    private static readonly Gen<string> MessageIds = Gen.Char["abcdefABCDEF0123456789-_.:~ü"].Array[1, 36].Select(chars => new string(chars));

    private static readonly Gen<JsonNode?> Leaf = Gen.OneOf<JsonNode?>(
        Text.Select(text => (JsonNode?)JsonValue.Create(text)),
        Gen.Long.Select(number => (JsonNode?)JsonValue.Create(number)),
        Gen.Bool.Select(flag => (JsonNode?)JsonValue.Create(flag)),
        Gen.Const((JsonNode?)null));

    private static Gen<JsonNode?> Value(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency(
            (3, Leaf),
            (1, Object(depth - 1).Select(obj => (JsonNode?)obj)),
            (1, Value(depth - 1).Array[0, 4].Select(items => (JsonNode?)new JsonArray(items))));

    private static Gen<JsonObject> Object(int depth) => Gen.Select(Text, Value(depth)).Array[0, 5].Select(properties =>
    {
        var obj = new JsonObject();
        foreach (var (name, value) in properties)
            obj[name] = value;
        return obj;
    });

    private static readonly Gen<OcppFrame> Frames = Gen.OneOf<OcppFrame>(
        Gen.Select(MessageIds, Text.Where(action => action.Length > 0), Object(2), (id, action, payload) => (OcppFrame)new OcppCall(id, action, payload)),
        Gen.Select(MessageIds, Object(2), (id, payload) => (OcppFrame)new OcppCallResult(id, payload)),
        Gen.Select(MessageIds, Text.Where(code => code.Length > 0), Text, Object(2),
            (id, code, description, details) => (OcppFrame)new OcppCallError(id, code, description, details)));

    // Fragments of frames glued together at random reach far more of the parser than random characters do.
    private static readonly Gen<string> TokenSoup = Gen.OneOf(
            "[", "]", "{", "}", ",", ":", " ", "2", "3", "4", "5", "-1", "2.0", "1e3", "null", "true", "\"m1\"", "\"\"",
            "\"Heartbeat\"", "\"GenericError\"", "\"a\"", "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\ud800", "\"\\u0000\"", "\"" + new string('x', 37) + "\"")
        .Array[0, 24].Select(string.Concat);

    // Gen.String sticks to ordinary characters; this one also produces lone surrogates and control characters.
    private static readonly Gen<string> AnyUtf16 = Gen.Char[char.MinValue, char.MaxValue].Array[0, 40].Select(chars => new string(chars));

    private static readonly Gen<string> RandomArrays = Gen.Select(Gen.Int[-1, 7], Value(2).Array[0, 5], (type, rest) =>
        new JsonArray([JsonValue.Create(type), .. rest]).ToJsonString());

    [Fact]
    public void parse_never_throws_and_every_error_it_returns_can_be_sent_as_a_call_error()
    {
        Gen.OneOf(Gen.String, AnyUtf16, TokenSoup, RandomArrays).Sample(text =>
        {
            foreach (var protocol in Protocols)
            {
                var parsed = OcppFrames.Parse(text, protocol);
                switch (parsed)
                {
                    case OcppFrameError error:
                        var answer = Assert.IsType<OcppCallError>(OcppFrames.Parse(OcppFrames.Serialize(error.ToCallError()), protocol));
                        Assert.Equal(error.MessageId ?? "-1", answer.MessageId);
                        Assert.Equal(error.ErrorCode, answer.ErrorCode);
                        break;
                    case OcppFrame frame:
                        AssertSameFrame(frame, OcppFrames.Parse(Serialize(frame), protocol));
                        break;
                    default:
                        throw new Xunit.Sdk.XunitException($"Parse returned {parsed?.GetType().Name ?? "null"}");
                }
            }
        }, iter: 20_000);
    }

    [Fact]
    public void serialize_then_parse_gives_back_the_same_frame()
    {
        Gen.Select(Frames, Gen.OneOf(Protocols)).Sample((frame, protocol) =>
            AssertSameFrame(frame, OcppFrames.Parse(Serialize(frame), protocol)), iter: 5_000);
    }

    private static void AssertSameFrame(OcppFrame expected, OcppParseResult actual)
    {
        switch (expected)
        {
            case OcppCall call:
                var parsedCall = Assert.IsType<OcppCall>(actual);
                Assert.Equal((call.MessageId, call.Action), (parsedCall.MessageId, parsedCall.Action));
                Assert.True(JsonNode.DeepEquals(call.Payload, parsedCall.Payload), parsedCall.Payload.ToJsonString());
                break;
            case OcppCallResult result:
                var parsedResult = Assert.IsType<OcppCallResult>(actual);
                Assert.Equal(result.MessageId, parsedResult.MessageId);
                Assert.True(JsonNode.DeepEquals(result.Payload, parsedResult.Payload), parsedResult.Payload.ToJsonString());
                break;
            case OcppCallError error:
                var parsedError = Assert.IsType<OcppCallError>(actual);
                Assert.Equal((error.MessageId, error.ErrorCode, error.Description), (parsedError.MessageId, parsedError.ErrorCode, parsedError.Description));
                Assert.True(JsonNode.DeepEquals(error.Details, parsedError.Details), parsedError.Details.ToJsonString());
                break;
        }
    }

    private static string Serialize(OcppFrame frame) => frame switch
    {
        OcppCall call => OcppFrames.Serialize(call),
        OcppCallResult result => OcppFrames.Serialize(result),
        OcppCallError error => OcppFrames.Serialize(error),
        _ => throw new ArgumentOutOfRangeException(nameof(frame), frame, null),
    };
}
