using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Settlement.Ledger.Audit;

/// <summary>
/// One stored event exactly as the hash chain sees it: every column of <c>mt_events</c> that carries
/// meaning (position, identity, stream, version, type, recorded time, tenant, correlation, causation,
/// headers, data). <see cref="Data"/> and <see cref="Headers"/> are PostgreSQL's own text of the jsonb
/// values, which is canonical: equal documents print the same, whatever JSON was appended.
/// </summary>
/// <param name="Redacted">
/// Only in an auditor's bundle: <see cref="Data"/> has its secrets replaced (<see cref="SecretRedaction"/>), so the
/// line no longer hashes to the chained digest; the line says so (<c>"redacted":true</c>).
/// </param>
public sealed record ChainedEvent(
    long Sequence, Guid Id, string StreamId, long Version, string Type, DateTime RecordedAt, string TenantId,
    string? CorrelationId, string? CausationId, string? Headers, string Data, bool Redacted = false)
{
    /// <summary>The columns, in the order <see cref="Read"/> expects them.</summary>
    public const string Columns =
        "seq_id, id, stream_id, version, type, timestamp, tenant_id, correlation_id, causation_id, headers::text, data::text";

    public static ChainedEvent Read(System.Data.Common.DbDataReader row, int offset = 0) => new(
        row.GetInt64(offset), row.GetGuid(offset + 1), row.GetString(offset + 2), row.GetInt64(offset + 3), row.GetString(offset + 4),
        row.GetDateTime(offset + 5), row.GetString(offset + 6),
        row.IsDBNull(offset + 7) ? null : row.GetString(offset + 7), row.IsDBNull(offset + 8) ? null : row.GetString(offset + 8),
        row.IsDBNull(offset + 9) ? null : row.GetString(offset + 9), row.GetString(offset + 10));

    /// <summary>
    /// The event's canonical line: a JSON object with its keys in ordinal order, no whitespace, and the
    /// data and headers embedded verbatim. Its SHA-256 is the event's digest, and the same bytes are a
    /// line of an auditor's bundle, so a verifier elsewhere hashes exactly what was chained here.
    /// </summary>
    public byte[] CanonicalLine() => (_lines ??= new CanonicalLineWriter()).Write(this).ToArray();

    // A bundle is exported and checked a line at a time: one writer's buffer per thread serves every line.
    [ThreadStatic] private static CanonicalLineWriter? _lines;

    public byte[] Digest() => SHA256.HashData(CanonicalLine());

    /// <summary>This event as it may leave the ledger: with its secrets redacted, or itself when it holds none.</summary>
    public ChainedEvent WithoutSecrets() =>
        SecretRedaction.RedactedOrNull(Type, Data) is { } redacted ? this with { Data = redacted, Redacted = true } : this;

    /// <summary>Reads a canonical line back, keeping the data and headers byte for byte as they were written.</summary>
    /// <exception cref="FormatException">When the line is not a canonical event line.</exception>
    public static ChainedEvent ParseLine(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            var parsed = new ChainedEvent(
                root.GetProperty("seq").GetInt64(), root.GetProperty("id").GetGuid(), root.GetProperty("stream").GetString()!,
                root.GetProperty("version").GetInt64(), root.GetProperty("type").GetString()!,
                CanonicalTime.Parse(root.GetProperty("recordedAt").GetString()!),
                root.GetProperty("tenant").GetString()!,
                root.GetProperty("correlationId").GetString(), root.GetProperty("causationId").GetString(),
                root.GetProperty("headers") is { ValueKind: JsonValueKind.Null } ? null : root.GetProperty("headers").GetRawText(),
                root.GetProperty("data").GetRawText(),
                root.TryGetProperty("redacted", out var redacted) && redacted.GetBoolean());
            if (!parsed.CanonicalLine().AsSpan().SequenceEqual(line))
                throw new FormatException($"The line of event {parsed.Sequence} is not in canonical form (keys in order, no whitespace).");
            return parsed;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"Not a canonical event line: {e.Message}", e);
        }
    }
}

/// <summary>The chain's arithmetic: each link hashes the previous link with the event's digest.</summary>
public static class ChainHash
{
    public const int Length = 32;

    /// <summary>What the first event links to.</summary>
    public static readonly byte[] Genesis = new byte[Length];

    public static byte[] Link(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> digest)
    {
        Span<byte> input = stackalloc byte[Length * 2];
        previous.CopyTo(input);
        digest.CopyTo(input[Length..]);
        return SHA256.HashData(input);
    }

    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);
}

/// <summary>Times as the chain writes them: UTC to the microsecond, which is what PostgreSQL keeps.</summary>
public static class CanonicalTime
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Format(DateTime time) => time.ToUniversalTime().ToString(Pattern, CultureInfo.InvariantCulture);

    public static void Format(DateTime time, Span<byte> utf8, out int written) =>
        time.ToUniversalTime().TryFormat(utf8, out written, Pattern, CultureInfo.InvariantCulture);

    /// <exception cref="FormatException">When the text is not such a time.</exception>
    public static DateTime Parse(string text) =>
        DateTime.ParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
