using System.Runtime.CompilerServices;
using NodaTime;

namespace Settlement.Domain.Tariffs;

/// <summary>Where in a session a tariff's price can change, worked out once per tariff version.</summary>
internal sealed class TariffShape
{
    private static readonly ConditionalWeakTable<TariffPublished, TariffShape> Shapes = new();

    public IReadOnlyList<LocalTime> TimesOfDay { get; }
    public IReadOnlyList<int> DurationThresholdsSeconds { get; }
    public IReadOnlyList<decimal> EnergyThresholdsWh { get; }

    private TariffShape(TariffPublished tariff)
    {
        var times = new SortedSet<LocalTime>();
        var durations = new SortedSet<int>();
        var energies = new SortedSet<decimal>();
        foreach (var r in tariff.Elements.Select(e => e.Restrictions).OfType<TariffRestrictions>())
        {
            if (ClockTime.TryParse(r.StartTime, out var startTime)) times.Add(startTime);
            if (ClockTime.TryParse(r.EndTime, out var endTime)) times.Add(endTime);
            // Dates and days of week change at local midnight.
            if (r.StartDate is not null || r.EndDate is not null || r.DaysOfWeek is { Count: > 0 }) times.Add(LocalTime.Midnight);
            if (r.MinDurationSeconds is { } minDuration) durations.Add(minDuration);
            if (r.MaxDurationSeconds is { } maxDuration) durations.Add(maxDuration);
            if (r.MinKwh is { } minKwh) energies.Add(minKwh * 1000m);
            if (r.MaxKwh is { } maxKwh) energies.Add(maxKwh * 1000m);
        }
        TimesOfDay = [.. times];
        DurationThresholdsSeconds = [.. durations];
        EnergyThresholdsWh = [.. energies];
    }

    public static TariffShape Of(TariffPublished tariff) => Shapes.GetValue(tariff, t => new TariffShape(t));
}
