using System.Text;
using System.Text.Json;

namespace Settlement.Domain.Drivers;

/// <param name="Text">The frame with every value that may name a driver replaced by <see cref="FrameRedaction.Marker"/>.</param>
/// <param name="Redacted">Whether anything was replaced; when not, <paramref name="Text"/> is the frame itself.</param>
/// <param name="SoleToken">
/// The driver token the frame names, when every value replaced is that one token, whole; null when it names
/// none, several, or one cut off by truncation.
/// </param>
public sealed record RedactedFrame(string Text, bool Redacted, string? SoleToken);

/// <summary>
/// Takes driver identifiers out of a frame that may be malformed, truncated or not JSON at all: such a frame
/// cannot be parsed, so it is read token by token. A value is replaced when it follows a field named like an
/// OCPP driver identifier, in any case (1.6 <c>idTag</c>, <c>parentIdTag</c>; 2.0.1 <c>idToken</c>,
/// <c>groupIdToken</c>, <c>additionalIdToken</c>), directly or inside an array under such a field; a 2.0.1
/// <c>idToken</c> object keeps its shape and loses its inner <c>idToken</c>.
/// </summary>
public static class FrameRedaction
{
    public const string Marker = "\"[redacted]\"";

    private static readonly HashSet<string> IdentifierFields =
        new(["idTag", "parentIdTag", "idToken", "groupIdToken", "additionalIdToken"], StringComparer.OrdinalIgnoreCase);

    public static RedactedFrame Redact(string frame)
    {
        var text = new StringBuilder(frame.Length);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var cutOff = false;
        // One entry per open bracket or brace: whether the bare values directly inside it are redacted.
        var containers = new Stack<bool>();
        var afterIdentifierField = false;
        for (var i = 0; i < frame.Length;)
        {
            var redactHere = afterIdentifierField || (containers.Count > 0 && containers.Peek());
            var c = frame[i];
            if (c == '"')
            {
                var (end, whole) = StringEnd(frame, i);
                var literal = frame[i..end];
                if (IsFieldName(frame, end))
                {
                    text.Append(literal);
                    afterIdentifierField = IdentifierFields.Contains(Unescaped(literal, whole));
                }
                else
                {
                    var value = Unescaped(literal, whole);
                    if (redactHere && value.Length > 0) Replace(value, whole);
                    else text.Append(literal);
                    afterIdentifierField = false;
                }
                i = end;
            }
            else if (c is '{' or '[')
            {
                containers.Push(c == '[' && redactHere);
                afterIdentifierField = false;
                text.Append(c);
                i++;
            }
            else if (c is '}' or ']' or ',')
            {
                if (c != ',' && containers.Count > 0) containers.Pop();
                afterIdentifierField = false;
                text.Append(c);
                i++;
            }
            else if (c == ':' || char.IsWhiteSpace(c))
            {
                text.Append(c);
                i++;
            }
            else
            {
                var end = i;
                while (end < frame.Length && !EndsBareValue(frame[end])) end++;
                var value = frame[i..end];
                if (redactHere && value is not ("null" or "true" or "false")) Replace(value, whole: end < frame.Length);
                else text.Append(value);
                afterIdentifierField = false;
                i = end;
            }
        }
        var redacted = tokens.Count > 0 || cutOff;
        return new RedactedFrame(redacted ? text.ToString() : frame, redacted, !cutOff && tokens.Count == 1 ? tokens.Single() : null);

        void Replace(string value, bool whole)
        {
            text.Append(Marker);
            if (whole) tokens.Add(value);
            else cutOff = true;
        }
    }

    /// <summary>The index after the string starting at <paramref name="start"/>, and whether its closing quote was there.</summary>
    private static (int End, bool Whole) StringEnd(string frame, int start)
    {
        for (var i = start + 1; i < frame.Length; i++)
        {
            if (frame[i] == '\\') i++;
            else if (frame[i] == '"') return (i + 1, true);
        }
        return (frame.Length, false);
    }

    private static bool IsFieldName(string frame, int after)
    {
        while (after < frame.Length && char.IsWhiteSpace(frame[after])) after++;
        return after < frame.Length && frame[after] == ':';
    }

    private static bool EndsBareValue(char c) => c is '{' or '}' or '[' or ']' or ',' or ':' or '"' || char.IsWhiteSpace(c);

    private static string Unescaped(string literal, bool whole)
    {
        if (!whole) return literal[1..];
        try
        {
            return JsonSerializer.Deserialize<string>(literal) ?? "";
        }
        catch (JsonException)
        {
            return literal[1..^1];
        }
    }
}
