using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using NodaTime;
using NodaTime.Text;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>OCPI 2.2.1 status codes (part I, "Status codes"): 1xxx success, 2xxx client errors, 3xxx server errors, 4xxx hub errors.</summary>
public static class OcpiStatus
{
    public const int Success = 1000;
    public const int ClientError = 2000;
    public const int InvalidParameters = 2001;
    public const int NotEnoughInformation = 2002;
    public const int UnknownLocation = 2003;
    public const int UnknownToken = 2004;
    public const int ServerError = 3000;
    public const int UnableToUseClientApi = 3001;
    public const int UnsupportedVersion = 3002;
    public const int NoMatchingEndpoints = 3003;
    public const int UnknownReceiver = 3004;
}

/// <summary>
/// OCPI's JSON: snake_case fields, enums in UPPER_SNAKE_CASE, absent rather than null optional fields, and DateTime
/// as UTC with a "Z" and at most 25 characters: whole seconds, as many receivers refuse longer fractions.
/// </summary>
public static class OcpiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>
    /// For reading a partner's objects: a field the record requires (a constructor parameter without a default) must be
    /// there, and not null unless the record says it may be.
    /// </summary>
    public static readonly JsonSerializerOptions Strict = CreateStrict();

    private static JsonSerializerOptions CreateStrict()
    {
        var strict = new JsonSerializerOptions(Options) { RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true };
        strict.MakeReadOnly(populateMissingResolver: true);
        return strict;
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            MaxDepth = 32,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new DateTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>"2026-10-01T08:15:00Z": 20 characters, never a 7-digit fraction.</summary>
    public static string DateTime(Instant instant) =>
        InstantPattern.General.Format(Instant.FromUnixTimeSeconds(instant.ToUnixTimeSeconds()));

    /// <summary>Reads an OCPI DateTime: with or without fraction and "Z" (the spec says UTC either way), at most 25 characters.</summary>
    public static bool TryParseDateTime(string? text, out Instant instant)
    {
        instant = default;
        if (text is null || text.Length > 25) return false;
        var utc = text.EndsWith('Z') ? text : text + "Z";
        var parsed = InstantPattern.ExtendedIso.Parse(utc);
        if (!parsed.Success) return false;
        instant = parsed.Value;
        return true;
    }

    private sealed class DateTimeConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && TryParseDateTime(reader.GetString(), out var instant)
                ? instant
                : throw new JsonException("expected an OCPI DateTime such as \"2026-10-01T08:15:00Z\" (UTC, at most 25 characters)");

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) => writer.WriteStringValue(DateTime(value));
    }

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Every OCPI answer, success or not: <c>{ data, status_code, status_message, timestamp }</c>.</summary>
public sealed record OcpiResponse(JsonNode? Data, int StatusCode, string? StatusMessage, Instant Timestamp);

/// <summary>Answers in the OCPI envelope, the HTTP status and OCPI status code noted for the message log.</summary>
public static class OcpiResults
{
    internal const string OcpiStatusItem = "ocpi.status";
    internal const string ObjectIdItem = "ocpi.object";

    public static IResult Ok(object? data, string? message = null) => new Envelope(StatusCodes.Status200OK, OcpiStatus.Success, message, data);

    /// <summary>400 with <see cref="OcpiStatus.InvalidParameters"/>: the message names the field and the shape expected.</summary>
    public static IResult InvalidParameters(string message) => new Envelope(StatusCodes.Status400BadRequest, OcpiStatus.InvalidParameters, message, null);

    /// <summary>404 with <see cref="OcpiStatus.UnknownLocation"/>: the location, EVSE or connector does not exist (for this partner).</summary>
    public static IResult UnknownLocation(string message) => new Envelope(StatusCodes.Status404NotFound, OcpiStatus.UnknownLocation, message, null);

    public static IResult Error(int httpStatus, int ocpiStatus, string message) => new Envelope(httpStatus, ocpiStatus, message, null);

    /// <summary>Names the object a message is about (a session, CDR, token or location id) in its log entry.</summary>
    public static void About(HttpContext context, string objectId) => context.Items[ObjectIdItem] = objectId.Length > 36 ? objectId[..36] : objectId;

    private sealed class Envelope(int httpStatus, int ocpiStatus, string? message, object? data) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Items[OcpiStatusItem] = ocpiStatus;
            context.Response.StatusCode = httpStatus;
            context.Response.ContentType = "application/json";
            var node = data switch { null => null, JsonNode json => json, _ => JsonSerializer.SerializeToNode(data, data.GetType(), OcpiJson.Options) };
            var clock = context.RequestServices.GetService(typeof(IClock)) as IClock ?? SystemClock.Instance;
            await JsonSerializer.SerializeAsync(context.Response.Body, new OcpiResponse(node, ocpiStatus, message, clock.GetCurrentInstant()), OcpiJson.Options,
                context.RequestAborted);
        }
    }
}

/// <summary>Reads an OCPI request body: a body that is not JSON or not the object expected is a 2001 naming the field.</summary>
public static class OcpiBody
{
    /// <summary>The body as <typeparamref name="T"/>, or the answer to give instead.</summary>
    /// <remarks>Read with <see cref="OcpiJson.Strict"/>: a missing required field is the partner's 2001, never a null the handler trips on.</remarks>
    public static async Task<(T? Value, IResult? Refusal)> ReadAsync<T>(HttpRequest request) where T : class
    {
        var options = OcpiJson.Strict;
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException malformed)
        {
            return (null, OcpiResults.InvalidParameters($"The body is not JSON (line {malformed.LineNumber + 1}, byte {malformed.BytePositionInLine + 1}): expected {JsonShapes.Expected(typeof(T), options)}."));
        }
        if (node is not JsonObject)
            return (null, OcpiResults.InvalidParameters($"The body must be a JSON object: {JsonShapes.Expected(typeof(T), options)}."));
        var problems = JsonShapes.Problems(node, typeof(T), options);
        if (problems.Count > 0)
            return (null, OcpiResults.InvalidParameters($"The body is not a valid object: {string.Join("; ", problems)}."));
        try
        {
            return (node.Deserialize<T>(options), null);
        }
        catch (JsonException e)
        {
            return (null, OcpiResults.InvalidParameters($"The body is not a valid object: {e.Path?.TrimStart('$', '.') ?? "body"}: {e.Message}"));
        }
    }
}
