using System.Globalization;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>
/// A sender's GET list as OCPI 2.2.1 pages it (part I, "Pagination"): <c>offset</c>, <c>limit</c> (capped at
/// <see cref="MaxLimit"/>), <c>date_from</c> (inclusive) and <c>date_to</c> (exclusive) on last_updated.
/// </summary>
public sealed record OcpiPageQuery(int Offset, int Limit, Instant? DateFrom, Instant? DateTo)
{
    /// <summary>The most objects one page holds, whatever limit is asked for; told in X-Limit.</summary>
    public const int MaxLimit = 100;

    /// <summary>The page asked for, or a 2001 naming the parameter that is not one.</summary>
    public static (OcpiPageQuery? Query, IResult? Refusal) Read(HttpRequest request)
    {
        var offset = 0;
        if (request.Query["offset"].ToString() is { Length: > 0 } offsetText
            && (!int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
            return (null, OcpiResults.InvalidParameters($"offset: '{Shown(offsetText)}' is not a whole number of 0 or more."));
        var limit = MaxLimit;
        if (request.Query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            return (null, OcpiResults.InvalidParameters($"limit: '{Shown(limitText)}' is not a whole number of 1 or more."));
        Instant? from = null, to = null;
        if (request.Query["date_from"].ToString() is { Length: > 0 } fromText)
        {
            if (!OcpiJson.TryParseDateTime(fromText, out var parsed))
                return (null, OcpiResults.InvalidParameters($"date_from: '{Shown(fromText)}' is not an OCPI DateTime such as 2026-10-01T08:15:00Z."));
            from = parsed;
        }
        if (request.Query["date_to"].ToString() is { Length: > 0 } toText)
        {
            if (!OcpiJson.TryParseDateTime(toText, out var parsed))
                return (null, OcpiResults.InvalidParameters($"date_to: '{Shown(toText)}' is not an OCPI DateTime such as 2026-10-01T08:15:00Z."));
            to = parsed;
        }
        return (new OcpiPageQuery(offset, Math.Min(limit, MaxLimit), from, to), null);
    }

    private static string Shown(string text) => text.Length > 40 ? text[..40] + "…" : text;

    public bool Covers(Instant lastUpdated) => (DateFrom is not { } from || lastUpdated >= from) && (DateTo is not { } to || lastUpdated < to);

    /// <summary>
    /// This page of <paramref name="objects"/> (already filtered and in a stable order) in the envelope, with
    /// X-Total-Count (all that match), X-Limit (the cap) and a Link to the next page while there is one.
    /// </summary>
    public IResult Answer<T>(HttpContext context, OcpiOptions options, IReadOnlyList<T> objects)
    {
        WriteHeaders(context, options, objects.Count);
        return OcpiResults.Ok(objects.Skip(Offset).Take(Limit).ToList());
    }

    /// <summary>X-Total-Count (<paramref name="total"/>, all that match), X-Limit (the cap) and a Link to the next page while there is one.</summary>
    public void WriteHeaders(HttpContext context, OcpiOptions options, int total)
    {
        var response = context.Response;
        response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Limit"] = MaxLimit.ToString(CultureInfo.InvariantCulture);
        if (Offset + Limit < total)
            response.Headers.Link = $"<{NextUrl(context, options)}>; rel=\"next\"";
    }

    private string NextUrl(HttpContext context, OcpiOptions options)
    {
        var query = new List<string> { $"offset={Offset + Limit}", $"limit={Limit}" };
        if (DateFrom is { } from) query.Add($"date_from={Uri.EscapeDataString(OcpiJson.DateTime(from))}");
        if (DateTo is { } to) query.Add($"date_to={Uri.EscapeDataString(OcpiJson.DateTime(to))}");
        return $"{OcpiRoutes.BaseUrl(context, options)}{context.Request.PathBase}{context.Request.Path}?{string.Join('&', query)}";
    }
}
