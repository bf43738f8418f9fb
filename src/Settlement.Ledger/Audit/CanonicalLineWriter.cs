using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Writes events' canonical lines (see <see cref="ChainedEvent.CanonicalLine"/>) as UTF-8 into one reusable
/// buffer. Verifying and linking read every event of the ledger, so a row is turned into its line straight
/// from the bytes PostgreSQL sent, without decoding them into strings and encoding them back.
/// Not thread-safe: one writer per reader.
/// </summary>
public sealed class CanonicalLineWriter
{
    private static readonly byte[] Null = "null"u8.ToArray();
    private byte[] _buffer = new byte[4096];
    private int _length;

    /// <summary>The line of the row at the reader's position, whose columns are <see cref="ChainedEvent.Columns"/>.</summary>
    public ReadOnlySpan<byte> Write(DbDataReader row) => Write(
        row.GetInt64(0), row.GetGuid(1), row.GetFieldValue<byte[]>(2), row.GetInt64(3), row.GetFieldValue<byte[]>(4),
        row.GetDateTime(5), row.GetFieldValue<byte[]>(6),
        row.IsDBNull(7) ? null : row.GetFieldValue<byte[]>(7), row.IsDBNull(8) ? null : row.GetFieldValue<byte[]>(8),
        row.IsDBNull(9) ? Null : row.GetFieldValue<byte[]>(9), row.GetFieldValue<byte[]>(10));

    /// <summary>The SHA-256 of the row's line: the event's digest in the chain.</summary>
    public byte[] Digest(DbDataReader row) => SHA256.HashData(Write(row));

    public ReadOnlySpan<byte> Write(ChainedEvent recorded) => Write(
        recorded.Sequence, recorded.Id, Encoding.UTF8.GetBytes(recorded.StreamId), recorded.Version, Encoding.UTF8.GetBytes(recorded.Type),
        recorded.RecordedAt, Encoding.UTF8.GetBytes(recorded.TenantId),
        recorded.CorrelationId is null ? null : Encoding.UTF8.GetBytes(recorded.CorrelationId),
        recorded.CausationId is null ? null : Encoding.UTF8.GetBytes(recorded.CausationId),
        recorded.Headers is null ? Null : Encoding.UTF8.GetBytes(recorded.Headers), Encoding.UTF8.GetBytes(recorded.Data), recorded.Redacted);

    /// <param name="headers">The headers' JSON, or <c>null</c> as JSON.</param>
    private ReadOnlySpan<byte> Write(long sequence, Guid id, ReadOnlySpan<byte> stream, long version, ReadOnlySpan<byte> type,
        DateTime recordedAt, ReadOnlySpan<byte> tenant, byte[]? correlation, byte[]? causation, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> data,
        bool redacted = false)
    {
        _length = 0;
        Append("{\"causationId\":"u8); AppendStringOrNull(causation);
        Append(",\"correlationId\":"u8); AppendStringOrNull(correlation);
        Append(",\"data\":"u8); Append(data);
        Append(",\"headers\":"u8); Append(headers);
        Append(",\"id\":\""u8); Reserve(36); id.TryFormat(_buffer.AsSpan(_length), out var written, "D"); _length += written; Append("\""u8);
        Append(",\"recordedAt\":\""u8); Reserve(32); CanonicalTime.Format(recordedAt, _buffer.AsSpan(_length), out written); _length += written; Append("\""u8);
        // Only a bundle's redacted lines carry the key: a chained line never does, so no digest changes.
        if (redacted) Append(",\"redacted\":true"u8);
        Append(",\"seq\":"u8); AppendNumber(sequence);
        Append(",\"stream\":"u8); AppendString(stream);
        Append(",\"tenant\":"u8); AppendString(tenant);
        Append(",\"type\":"u8); AppendString(type);
        Append(",\"version\":"u8); AppendNumber(version);
        Append("}"u8);
        return _buffer.AsSpan(0, _length);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void AppendNumber(long value)
    {
        Reserve(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    private void AppendStringOrNull(byte[]? utf8)
    {
        if (utf8 is null) Append(Null);
        else AppendString(utf8);
    }

    /// <summary>
    /// RFC 8785's string form: only the quote, the backslash and control characters are escaped. Those are all
    /// ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so the escaping works on the bytes.
    /// </summary>
    private void AppendString(ReadOnlySpan<byte> utf8)
    {
        Reserve(utf8.Length * 6 + 2);
        var line = _buffer.AsSpan();
        line[_length++] = (byte)'"';
        foreach (var b in utf8)
        {
            switch (b)
            {
                case (byte)'"': line[_length++] = (byte)'\\'; line[_length++] = (byte)'"'; break;
                case (byte)'\\': line[_length++] = (byte)'\\'; line[_length++] = (byte)'\\'; break;
                case (byte)'\b': line[_length++] = (byte)'\\'; line[_length++] = (byte)'b'; break;
                case (byte)'\f': line[_length++] = (byte)'\\'; line[_length++] = (byte)'f'; break;
                case (byte)'\n': line[_length++] = (byte)'\\'; line[_length++] = (byte)'n'; break;
                case (byte)'\r': line[_length++] = (byte)'\\'; line[_length++] = (byte)'r'; break;
                case (byte)'\t': line[_length++] = (byte)'\\'; line[_length++] = (byte)'t'; break;
                case < (byte)' ':
                    "\\u00"u8.CopyTo(line[_length..]);
                    _length += 4;
                    line[_length++] = (byte)"0123456789abcdef"[b >> 4];
                    line[_length++] = (byte)"0123456789abcdef"[b & 0xF];
                    break;
                default: line[_length++] = b; break;
            }
        }
        line[_length++] = (byte)'"';
    }

    private void Reserve(int bytes)
    {
        if (_length + bytes <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
    }
}
