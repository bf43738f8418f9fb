using NodaTime;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// What a tariff element's restrictions are checked against: the start of a priced period. Power and
/// current are optional because not every charger reports them; OCPI lets a restriction pass then.
/// </summary>
public readonly record struct PricingMoment(
    LocalDateTime LocalTime,
    decimal EnergyBeforeWh,
    Duration Elapsed,
    decimal? PowerKw,
    decimal? CurrentA,
    bool Reservation = false);

public readonly record struct ActiveComponent(PriceComponent Component, int ElementIndex);

/// <summary>
/// OCPI 2.2.1 element selection: per component type the first element whose restrictions all hold
/// wins. Every upper bound is exclusive; a start_time after the end_time wraps past midnight.
/// </summary>
public static class ElementSelector
{
    public static ActiveComponent? Active(TariffPublished tariff, PriceComponentType type, in PricingMoment moment)
    {
        var elements = tariff.Elements;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            var component = Find(element, type);
            if (component is not null && Matches(element.Restrictions, moment))
                return new ActiveComponent(component, i);
        }
        return null;
    }

    public static bool Matches(TariffRestrictions? r, in PricingMoment m)
    {
        if (r is null) return m.Reservation == false;
        // An element restricted to reservations prices only the reservation, never charging or parking.
        if ((r.Reservation is not null) != m.Reservation) return false;

        var time = m.LocalTime.TimeOfDay;
        if (r.StartTime is not null || r.EndTime is not null)
        {
            var start = r.StartTime is null ? (LocalTime?)null : ClockTime.Parse(r.StartTime);
            var end = r.EndTime is null ? (LocalTime?)null : ClockTime.Parse(r.EndTime);
            if (!ClockTime.Within(time, start, end)) return false;
        }
        var date = m.LocalTime.Date;
        if (r.StartDate is { } startDate && date < startDate) return false;
        if (r.EndDate is { } endDate && date >= endDate) return false;
        if (r.DaysOfWeek is { Count: > 0 } days && !days.Contains(date.DayOfWeek)) return false;

        var energyKwh = m.EnergyBeforeWh / 1000m;
        if (r.MinKwh is { } minKwh && energyKwh < minKwh) return false;
        if (r.MaxKwh is { } maxKwh && energyKwh >= maxKwh) return false;

        var elapsed = m.Elapsed.TotalSeconds;
        if (r.MinDurationSeconds is { } minDuration && elapsed < minDuration) return false;
        if (r.MaxDurationSeconds is { } maxDuration && elapsed >= maxDuration) return false;

        if (m.PowerKw is { } power)
        {
            if (r.MinPowerKw is { } minPower && power < minPower) return false;
            if (r.MaxPowerKw is { } maxPower && power >= maxPower) return false;
        }
        if (m.CurrentA is { } current)
        {
            if (r.MinCurrentA is { } minCurrent && current < minCurrent) return false;
            if (r.MaxCurrentA is { } maxCurrent && current >= maxCurrent) return false;
        }
        return true;
    }

    private static PriceComponent? Find(TariffElement element, PriceComponentType type)
    {
        foreach (var component in element.PriceComponents)
            if (component.Type == type) return component;
        return null;
    }
}

/// <summary>OCPI's local "HH:MM" times of day.</summary>
public static class ClockTime
{
    public static LocalTime Parse(string hhmm) =>
        TryParse(hhmm, out var time) ? time : throw new FormatException($"'{hhmm}' is not a time of day in HH:MM.");

    public static bool TryParse(string? hhmm, out LocalTime time)
    {
        time = default;
        if (hhmm is not { Length: 5 } || hhmm[2] != ':' || !char.IsAsciiDigit(hhmm[0]) || !char.IsAsciiDigit(hhmm[1])
            || !char.IsAsciiDigit(hhmm[3]) || !char.IsAsciiDigit(hhmm[4])) return false;
        var hour = (hhmm[0] - '0') * 10 + hhmm[1] - '0';
        var minute = (hhmm[3] - '0') * 10 + hhmm[4] - '0';
        if (hour > 23 || minute > 59) return false;
        time = new LocalTime(hour, minute);
        return true;
    }

    /// <summary>
    /// The instants at which the wall clock crosses a local date and time. A time skipped when clocks go
    /// forward is crossed at the jump; a time repeated when they go back is crossed three times: forward,
    /// backward at the transition, and forward again.
    /// </summary>
    public static Instant[] Crossings(LocalDateTime local, DateTimeZone zone)
    {
        var mapping = zone.MapLocal(local);
        return mapping.Count switch
        {
            0 => [mapping.LateInterval.Start],
            1 => [mapping.First().ToInstant()],
            _ => [mapping.First().ToInstant(), mapping.LateInterval.Start, mapping.Last().ToInstant()],
        };
    }

    /// <summary>start ≤ t &lt; end; with end before start the window wraps past midnight. A missing bound is open.</summary>
    public static bool Within(LocalTime time, LocalTime? start, LocalTime? end) => (start, end) switch
    {
        ({ } s, { } e) when s <= e => time >= s && time < e,
        ({ } s, { } e) => time >= s || time < e,
        ({ } s, null) => time >= s,
        (null, { } e) => time < e,
        _ => true,
    };
}
