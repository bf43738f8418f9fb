using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Chargers;

/// <summary>What the operator states a site shows the public: see <see cref="SitePublicDetailsDescribed"/>.</summary>
public sealed record SitePublicDetails(
    string OperatorName, string OperatorId, string HelpdeskPhone, OpeningHours OpeningHours,
    IReadOnlyList<AdHocPaymentMethod> AdHocPaymentMethods, bool? BarrierFree = null);

public sealed record DescribeSitePublicDetails(string SiteId, SitePublicDetails Details);

/// <summary>What describing a site needs: whether it is registered, and the public details last described.</summary>
public sealed record SitePublicDetailsState(bool Registered, SitePublicDetailsDescribed? Current)
{
    public static readonly SitePublicDetailsState Unregistered = new(false, null);
}

/// <summary>
/// Describing a site's public details. They are checked for shape only: an NAP cannot use a helpdesk number that is
/// not in international form or opening hours that end before they start, and the ledger never holds such a record.
/// </summary>
public static partial class SitePublicDetailsDescribing
{
    public const int MaxOpeningPeriods = 14;

    public static SitePublicDetailsState Evolve(SitePublicDetailsState state, object @event) => @event switch
    {
        SiteRegisteredV2 => state with { Registered = true },
        SitePublicDetailsDescribed e => state with { Current = e },
        _ => state,
    };

    public static Decision Decide(SitePublicDetailsState state, DescribeSitePublicDetails command, Instant now)
    {
        if (!state.Registered)
            return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered; register it with POST /api/sites.");
        if (command.Details is not { } d) return Decision.Refuse(RefusalKind.Invalid, "The site's public details are missing.");
        var problems = Problems(d).ToList();
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        var described = new SitePublicDetailsDescribed(command.SiteId, d.OperatorName.Trim(), d.OperatorId, d.HelpdeskPhone,
            new OpeningHours(d.OpeningHours.TwentyFourSeven, [.. d.OpeningHours.Periods ?? []]), [.. d.AdHocPaymentMethods], d.BarrierFree, now);
        // The same details again (a client retrying) change nothing.
        return state.Current is { } current && Same(current, described) ? Decision.Accept() : Decision.Accept(described);
    }

    /// <summary>Every problem with the details' shape, each naming its field and the shape expected.</summary>
    public static IEnumerable<string> Problems(SitePublicDetails d)
    {
        if (string.IsNullOrWhiteSpace(d.OperatorName) || d.OperatorName.Trim().Length > 200)
            yield return "operatorName: the operator's name as drivers know it, 1 to 200 characters.";
        if (!OperatorIdPattern().IsMatch(d.OperatorId ?? ""))
            yield return $"operatorId: the eMI3 operator id, country code, '*' and three letters or digits, such as DE*SET, not '{Shortened(d.OperatorId)}'.";
        if (!PhonePattern().IsMatch(d.HelpdeskPhone ?? ""))
            yield return $"helpdeskPhone: the helpdesk number in international form, '+' and 7 to 15 digits without spaces, such as +498920004711, not '{Shortened(d.HelpdeskPhone)}'.";
        foreach (var problem in OpeningHoursProblems(d.OpeningHours)) yield return problem;
        var methods = d.AdHocPaymentMethods ?? [];
        if (methods.Count == 0 || methods.Distinct().Count() != methods.Count || methods.Any(m => !Enum.IsDefined(m)))
            yield return $"adHocPaymentMethods: one or more of {string.Join(", ", Enum.GetNames<AdHocPaymentMethod>())}, each once.";
    }

    private static IEnumerable<string> OpeningHoursProblems(OpeningHours? hours)
    {
        if (hours is null)
        {
            yield return "openingHours: an object with twentyFourSeven (true or false) and periods (days, from, until) when it is false.";
            yield break;
        }
        var periods = hours.Periods ?? [];
        if (hours.TwentyFourSeven && periods.Count > 0)
            yield return "openingHours.periods: empty when twentyFourSeven is true.";
        if (!hours.TwentyFourSeven && periods.Count is 0 or > MaxOpeningPeriods)
            yield return $"openingHours.periods: 1 to {MaxOpeningPeriods} weekly periods when twentyFourSeven is false.";
        for (var i = 0; i < Math.Min(periods.Count, MaxOpeningPeriods); i++)
        {
            var field = $"openingHours.periods[{i}]";
            var period = periods[i];
            if (period is null)
            {
                yield return $"{field}: an object with days, from and until.";
                continue;
            }
            var days = period.Days ?? [];
            if (days.Count == 0 || days.Distinct().Count() != days.Count || days.Any(day => day is < IsoDayOfWeek.Monday or > IsoDayOfWeek.Sunday))
                yield return $"{field}.days: one or more of Monday to Sunday, each once.";
            var from = ClockOf(period.From, allowEndOfDay: false);
            var until = ClockOf(period.Until, allowEndOfDay: true);
            if (from is null) yield return $"{field}.from: a local time \"HH:MM\" from 00:00 to 23:59, not '{Shortened(period.From)}'.";
            if (until is null) yield return $"{field}.until: a local time \"HH:MM\" from 00:01 to 24:00, not '{Shortened(period.Until)}'.";
            if (from is { } start && until is { } end && end <= start)
                yield return $"{field}.until: after from ({period.From}); a period past midnight is two periods, one on each day.";
        }
    }

    /// <summary>Minutes after midnight of "HH:MM"; "24:00" only where the end of the day is meant.</summary>
    public static int? ClockOf(string? text, bool allowEndOfDay) =>
        text == "24:00" ? allowEndOfDay ? 24 * 60 : null
        : text is not null && ClockPattern().IsMatch(text) ? int.Parse(text[..2], System.Globalization.CultureInfo.InvariantCulture) * 60 + int.Parse(text[3..], System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private static bool Same(SitePublicDetailsDescribed a, SitePublicDetailsDescribed b) =>
        a.OperatorName == b.OperatorName && a.OperatorId == b.OperatorId && a.HelpdeskPhone == b.HelpdeskPhone && a.BarrierFree == b.BarrierFree
        && a.AdHocPaymentMethods.SequenceEqual(b.AdHocPaymentMethods) && a.OpeningHours.TwentyFourSeven == b.OpeningHours.TwentyFourSeven
        && a.OpeningHours.Periods.Count == b.OpeningHours.Periods.Count
        && a.OpeningHours.Periods.Zip(b.OpeningHours.Periods).All(p => p.First.From == p.Second.From && p.First.Until == p.Second.Until && p.First.Days.SequenceEqual(p.Second.Days));

    private static string Shortened(string? text) => text is null ? "" : text.Length > 64 ? text[..64] + "…" : text;

    [GeneratedRegex("^[A-Z]{2}\\*[A-Z0-9]{3}$")]
    private static partial Regex OperatorIdPattern();

    [GeneratedRegex("^\\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex("^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex ClockPattern();
}
