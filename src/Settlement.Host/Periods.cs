using Microsoft.AspNetCore.Http;
using NodaTime;
using NodaTime.Text;

namespace Settlement.Host;

/// <summary>Periods given in a query string as from=yyyy-MM-dd&amp;through=yyyy-MM-dd.</summary>
public static class Periods
{
    /// <summary>A period of dates that must be given, both ends inclusive.</summary>
    public static bool TryRequired(string? from, string? through, out (LocalDate From, LocalDate Through) period, out IResult? bad)
    {
        period = default;
        if (from is null || through is null)
        {
            bad = Results.BadRequest(new { error = "Give the period as from=yyyy-MM-dd&through=yyyy-MM-dd (both inclusive)." });
            return false;
        }
        if (!TryOptional(from, through, out var parsed, out bad)) return false;
        if (parsed.Through < parsed.From)
        {
            bad = Results.BadRequest(new { error = $"The period ends ({through}) before it starts ({from})." });
            return false;
        }
        period = (parsed.From!.Value, parsed.Through!.Value);
        return true;
    }

    /// <summary>An optional period of dates, both ends inclusive.</summary>
    public static bool TryOptional(string? from, string? through, out (LocalDate? From, LocalDate? Through) period, out IResult? bad)
    {
        period = (null, null);
        bad = null;
        foreach (var (name, text) in new[] { ("from", from), ("through", through) })
        {
            if (text is null) continue;
            if (LocalDatePattern.Iso.Parse(text) is not { Success: true } parsed)
            {
                bad = Results.BadRequest(new { error = $"{name} '{text}' is not a date like 2026-10-31." });
                return false;
            }
            period = name == "from" ? (parsed.Value, period.Through) : (period.From, parsed.Value);
        }
        return true;
    }
}
