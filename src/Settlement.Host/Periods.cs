using Microsoft.AspNetCore.Http;
using NodaTime;
using NodaTime.Text;

namespace Settlement.Host;

/// <summary>
/// Periods given in a query string as from=yyyy-MM-dd&amp;through=yyyy-MM-dd. Dates lie between
/// <see cref="Earliest"/> and <see cref="Latest"/> and a period spans at most <see cref="MostYears"/> years: the
/// figures are computed day by day and zone by zone, and dates near the calendar's ends overflowed that arithmetic
/// (from=0001-01-01&amp;through=9999-12-31 answered 500).
/// </summary>
public static class Periods
{
    public static readonly LocalDate Earliest = new(2000, 1, 1);
    public static readonly LocalDate Latest = new(2199, 12, 31);
    public const int MostYears = 10;

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
        if (parsed.Through >= parsed.From!.Value.PlusYears(MostYears))
        {
            bad = Results.BadRequest(new { error = $"through {through} is {MostYears} years or more after from {from}: ask for at most {MostYears} years at a time." });
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
            if (!Within(name, parsed.Value, text, out bad)) return false;
            period = name == "from" ? (parsed.Value, period.Through) : (period.From, parsed.Value);
        }
        return true;
    }

    /// <summary>A month given as yyyy-MM, within the same dates as a period.</summary>
    public static bool TryMonth(string name, string text, out YearMonth month, out IResult? bad)
    {
        month = default;
        bad = null;
        if (YearMonthPattern.Iso.Parse(text) is not { Success: true } parsed)
        {
            bad = Results.BadRequest(new { error = $"{name} '{text}' is not a month like 2026-10." });
            return false;
        }
        if (!Within(name, parsed.Value.OnDayOfMonth(1), text, out bad)) return false;
        month = parsed.Value;
        return true;
    }

    /// <summary>A date between <see cref="Earliest"/> and <see cref="Latest"/>.</summary>
    public static bool TryWithin(string name, LocalDate date, out IResult? bad) =>
        Within(name, date, LocalDatePattern.Iso.Format(date), out bad);

    private static bool Within(string name, LocalDate date, string given, out IResult? bad)
    {
        bad = date < Earliest || date > Latest
            ? Results.BadRequest(new { error = $"{name} {given} is outside the dates this ledger reports on: {LocalDatePattern.Iso.Format(Earliest)} to {LocalDatePattern.Iso.Format(Latest)}." })
            : null;
        return bad is null;
    }
}
