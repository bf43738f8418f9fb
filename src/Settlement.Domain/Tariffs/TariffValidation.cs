using System.Diagnostics.CodeAnalysis;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Monetary;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// Why a tariff cannot be published: each problem a sentence for the operator who wrote it, naming the
/// element by its position counted from 1 and the field by its OCPI name. Beyond malformed fields, it
/// refuses tariffs whose price would depend on element order by accident (OCPI's first match wins):
/// elements that overlap in time under otherwise identical restrictions, and components that can
/// never apply because an earlier element always matches first.
/// </summary>
public static class TariffValidation
{
    // The bounds of the stored event's JSON Schema, checked here to refuse with a sentence, not a schema error.
    private const decimal MaxPrice = 1_000_000m;
    private const int MaxStepSize = 86_400;
    private const int MinutesPerDay = 24 * 60;

    private static readonly IsoDayOfWeek[] EveryDay =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday,
         IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    public static IReadOnlyList<string> Problems(TariffPublished tariff)
    {
        var problems = new List<string>();
        CheckCurrency(tariff.Currency, problems);
        if (tariff.Elements is not { Count: > 0 } elements)
        {
            problems.Add("a tariff needs at least one element");
            return problems;
        }

        var wellFormed = new bool[elements.Count];
        for (var i = 0; i < elements.Count; i++)
        {
            var before = problems.Count;
            CheckElement(elements[i], $"element {i + 1}", problems);
            wellFormed[i] = problems.Count == before;
        }
        CheckOrderIndependence(elements, wellFormed, problems);
        return problems;
    }

    private static void CheckCurrency(string? code, List<string> problems)
    {
        if (!Currency.TryFromCode(code, out var currency))
            problems.Add($"currency '{code}' is not an ISO 4217 code we know");
        else if (currency.Code != code)
            problems.Add($"currency '{code}' must be written '{currency.Code}'");
    }

    private static void CheckElement(TariffElement element, string name, List<string> problems)
    {
        if (element.PriceComponents is not { Count: > 0 } components)
            problems.Add($"{name}: no price components");
        else
            CheckComponents(components, name, problems);

        if (element.Restrictions is { } restrictions)
            CheckRestrictions(restrictions, name, problems);
    }

    private static void CheckComponents(IReadOnlyList<PriceComponent> components, string name, List<string> problems)
    {
        var priced = new HashSet<PriceComponentType>();
        foreach (var component in components)
        {
            var type = OcpiName(component.Type);
            if (!priced.Add(component.Type))
                problems.Add($"{name}: prices {type} twice, and only the first would ever apply");
            if (component.Price < 0m)
                problems.Add($"{name}: {type} price {component.Price} is negative");
            if (component.Price > MaxPrice)
                problems.Add($"{name}: {type} price {component.Price} is above {MaxPrice}");
            if (component.VatPercent is { } vat && (vat < 0m || vat > 100m))
                problems.Add($"{name}: {type} vat {vat}% is not between 0 and 100");
            if (component.StepSize is < 1 or > MaxStepSize)
                problems.Add($"{name}: {type} step_size {component.StepSize} is not between 1 and {MaxStepSize}");
        }
    }

    private static void CheckRestrictions(TariffRestrictions r, string name, List<string> problems)
    {
        var start = CheckClockTime(r.StartTime, "start_time", name, problems);
        var end = CheckClockTime(r.EndTime, "end_time", name, problems);
        if (start is { } s && end is { } e && s == e)
            problems.Add($"{name}: start_time and end_time are both {r.StartTime}, a window of no time");

        if (r.StartDate is { } startDate && r.EndDate is { } endDate && startDate >= endDate)
            problems.Add($"{name}: start_date {Date(startDate)} is not before end_date {Date(endDate)}");

        CheckRange("kwh", r.MinKwh, r.MaxKwh, name, problems);
        CheckRange("current", r.MinCurrentA, r.MaxCurrentA, name, problems);
        CheckRange("power", r.MinPowerKw, r.MaxPowerKw, name, problems);
        CheckRange("duration", r.MinDurationSeconds, r.MaxDurationSeconds, name, problems);

        if (r.DaysOfWeek is { } days)
        {
            if (days.Count == 0)
                problems.Add($"{name}: day_of_week is empty, so the element never applies");
            foreach (var day in days.Where(d => !EveryDay.Contains(d)).Distinct())
                problems.Add($"{name}: day_of_week has {day}, which is not a day of the week");
            foreach (var day in days.Where(EveryDay.Contains).GroupBy(d => d).Where(g => g.Count() > 1))
                problems.Add($"{name}: day_of_week lists {day.Key} more than once");
        }
    }

    private static LocalTime? CheckClockTime(string? value, string field, string name, List<string> problems)
    {
        if (value is null) return null;
        if (ClockTime.TryParse(value, out var time)) return time;
        problems.Add($"{name}: {field} '{value}' is not a time of day in HH:MM");
        return null;
    }

    private static void CheckRange(string quantity, decimal? min, decimal? max, string name, List<string> problems)
    {
        if (min is < 0m)
            problems.Add($"{name}: min_{quantity} {min} is negative");
        // Every maximum is exclusive, so one of zero or less can never be met.
        if (max is <= 0m)
            problems.Add($"{name}: max_{quantity} {max} is not above 0, so the element never applies");
        else if (min is { } lower && max is { } upper && lower >= upper)
            problems.Add($"{name}: min_{quantity} {lower} is not below max_{quantity} {upper}");
    }

    /// <summary>Pairs of well-formed elements that price the same component, compared in order.</summary>
    private static void CheckOrderIndependence(IReadOnlyList<TariffElement> elements, bool[] wellFormed, List<string> problems)
    {
        for (var later = 1; later < elements.Count; later++)
        {
            if (!wellFormed[later]) continue;
            foreach (var type in elements[later].PriceComponents.Select(c => c.Type).Distinct())
                for (var earlier = 0; earlier < later; earlier++)
                {
                    if (!wellFormed[earlier] || elements[earlier].PriceComponents.All(c => c.Type != type)) continue;
                    var (first, second) = (elements[earlier].Restrictions, elements[later].Restrictions);
                    if (AlwaysMatchesBefore(first, second))
                    {
                        problems.Add($"element {later + 1}: its {OcpiName(type)} price can never apply, because element {earlier + 1} prices {OcpiName(type)} whenever it would");
                        break;
                    }
                    if (HasTimeRestrictions(first) && HasTimeRestrictions(second)
                        && first.Reservation == second.Reservation && SameLimits(first, second)
                        && CommonTime(first, second) is { } overlap)
                        problems.Add($"elements {earlier + 1} and {later + 1} both price {OcpiName(type)} {overlap}, so the price there depends on their order");
                }
        }
    }

    /// <summary>
    /// Whether the earlier element matches whenever the later one does: it has no time restrictions, the
    /// same reservation restriction, and either no other restrictions or exactly the later one's.
    /// </summary>
    private static bool AlwaysMatchesBefore(TariffRestrictions? earlier, TariffRestrictions? later) =>
        !HasTimeRestrictions(earlier)
        && earlier?.Reservation == later?.Reservation
        && (SameLimits(earlier, null) || SameLimits(earlier, later));

    private static bool HasTimeRestrictions([NotNullWhen(true)] TariffRestrictions? r) =>
        r is not null && (r.StartTime is not null || r.EndTime is not null || r.StartDate is not null
                          || r.EndDate is not null || r.DaysOfWeek is not null);

    /// <summary>Identical energy, current, power and duration limits; no restrictions at all has none.</summary>
    private static bool SameLimits(TariffRestrictions? a, TariffRestrictions? b) =>
        a?.MinKwh == b?.MinKwh && a?.MaxKwh == b?.MaxKwh
        && a?.MinCurrentA == b?.MinCurrentA && a?.MaxCurrentA == b?.MaxCurrentA
        && a?.MinPowerKw == b?.MinPowerKw && a?.MaxPowerKw == b?.MaxPowerKw
        && a?.MinDurationSeconds == b?.MinDurationSeconds && a?.MaxDurationSeconds == b?.MaxDurationSeconds;

    /// <summary>
    /// When both elements' time restrictions hold, described for the operator ("on Monday 05:00-06:00");
    /// null when never. Dates and days of week restrict the local date, start/end time the time of day
    /// on that date, so the two can be intersected separately.
    /// </summary>
    private static string? CommonTime(TariffRestrictions a, TariffRestrictions b)
    {
        var startDate = Later(a.StartDate, b.StartDate);
        var endDate = Earlier(a.EndDate, b.EndDate);
        if (startDate is { } s && endDate is { } e && s >= e) return null;

        var commonDays = EveryDay.Where(d => (a.DaysOfWeek ?? EveryDay).Contains(d) && (b.DaysOfWeek ?? EveryDay).Contains(d)).ToList();
        // Less than a week of dates may not include every common weekday.
        if (startDate is { } first && endDate is { } last && Period.Between(first, last, PeriodUnits.Days).Days is var dayCount && dayCount < 7)
        {
            var weekdaysInRange = Enumerable.Range(0, dayCount).Select(n => first.PlusDays(n).DayOfWeek).ToList();
            commonDays.RemoveAll(d => !weekdaysInRange.Contains(d));
        }
        if (commonDays.Count == 0) return null;

        var minutes = MinutesOfDay(a)
            .SelectMany(x => MinutesOfDay(b), (x, y) => (Start: Math.Max(x.Start, y.Start), End: Math.Min(x.End, y.End)))
            .Where(m => m.Start < m.End)
            .OrderBy(m => m.Start)
            .ToList();
        if (minutes.Count == 0) return null;

        var onDays = commonDays.Count == EveryDay.Length ? "every day" : "on " + string.Join(", ", commonDays);
        var onDates = (startDate, endDate) switch
        {
            ({ } start, { } end) => $" from {Date(start)} to {Date(end.PlusDays(-1))}",
            ({ } start, null) => $" from {Date(start)}",
            (null, { } end) => $" before {Date(end)}",
            _ => "",
        };
        var atTimes = minutes is [(0, MinutesPerDay)] ? "" : " " + string.Join(" and ", minutes.Select(m => $"{Clock(m.Start)}-{Clock(m.End)}"));
        return onDays + onDates + atTimes;
    }

    /// <summary>An element's time-of-day window as minute ranges [start, end) of one day; a window past midnight is two.</summary>
    private static IEnumerable<(int Start, int End)> MinutesOfDay(TariffRestrictions r)
    {
        var start = r.StartTime is null ? 0 : Minute(ClockTime.Parse(r.StartTime));
        var end = r.EndTime is null ? MinutesPerDay : Minute(ClockTime.Parse(r.EndTime));
        var wraps = r.StartTime is not null && r.EndTime is not null && end < start;
        var ranges = wraps ? new[] { (start, MinutesPerDay), (0, end) } : [(start, end)];
        return ranges.Where(m => m.Item1 < m.Item2);
    }

    private static int Minute(LocalTime time) => time.Hour * 60 + time.Minute;

    private static string Clock(int minute) => $"{minute / 60:00}:{minute % 60:00}";

    private static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);

    private static LocalDate? Later(LocalDate? a, LocalDate? b) => a is null ? b : b is null ? a : LocalDate.Max(a.Value, b.Value);

    private static LocalDate? Earlier(LocalDate? a, LocalDate? b) => a is null ? b : b is null ? a : LocalDate.Min(a.Value, b.Value);

    private static string OcpiName(PriceComponentType type) => type switch
    {
        PriceComponentType.Energy => "ENERGY",
        PriceComponentType.Flat => "FLAT",
        PriceComponentType.ParkingTime => "PARKING_TIME",
        PriceComponentType.Time => "TIME",
        _ => type.ToString(),
    };
}
