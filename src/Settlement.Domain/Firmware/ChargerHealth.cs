using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Firmware;

/// <summary>
/// A charger's health over a window, and the gates a rollout compares it with: pure functions over the charger's own
/// events (its stream) and those of the sessions started on it.
/// </summary>
public static class ChargerHealth
{
    /// <summary>
    /// The figures over <paramref name="window"/> (start inclusive, end exclusive). Events before the window only tell
    /// whether the charger was offline when it began. Boot accepted: a boot within the window (null when none).
    /// Reconnects: comebacks after an outage. Charge success: of sessions started in the window and ended, those that
    /// delivered energy (null when none ended). Uptime: the share of the window the charger was online.
    /// </summary>
    public static HealthFigures Measure(IReadOnlyList<(object Event, Instant At)> chargerEvents, Interval window)
    {
        var hours = (decimal)window.Duration.TotalHours;
        var ordered = chargerEvents.OrderBy(e => e.At).ToList();
        bool? bootAccepted = null;
        int faults = 0, reconnects = 0;
        var offlineSince = (Instant?)null;
        var offline = Duration.Zero;
        var sessions = new Dictionary<string, (long StartWh, long? EnergyWh, bool Ended)>();
        foreach (var (e, at) in ordered)
        {
            if (at >= window.End) break;
            var inWindow = at >= window.Start;
            switch (e)
            {
                case ChargerWentOffline wentOffline:
                    offlineSince ??= Max(wentOffline.LastSeenAt, window.Start);
                    break;
                case ChargerCameBackOnline or ChargerBooted when offlineSince is { } since:
                    if (at > window.Start) offline += at - Max(since, window.Start);
                    offlineSince = null;
                    if (inWindow && e is ChargerCameBackOnline) reconnects++;
                    if (inWindow && e is ChargerBooted) bootAccepted = true;
                    break;
                case ChargerBooted when inWindow:
                    bootAccepted = true;
                    break;
                case FaultReported when inWindow:
                    faults++;
                    break;
                case SessionStarted started when inWindow:
                    sessions[started.SessionId] = (started.MeterStartWh, null, false);
                    break;
                case SessionStartedV2 started when inWindow:
                    sessions[started.SessionId] = (started.MeterStartWh, null, false);
                    break;
                case MeterValuesRecorded meter when sessions.TryGetValue(meter.SessionId, out var s):
                    sessions[meter.SessionId] = s with { EnergyWh = Math.Max(s.EnergyWh ?? 0, meter.Readings.Max(r => r.EnergyWh) - s.StartWh) };
                    break;
                case SessionStopped stopped when sessions.TryGetValue(stopped.SessionId, out var s):
                    sessions[stopped.SessionId] = s with { EnergyWh = Math.Max(s.EnergyWh ?? 0, stopped.MeterStopWh - s.StartWh), Ended = true };
                    break;
            }
        }
        if (offlineSince is { } stillOffline) offline += window.End - Max(stillOffline, window.Start);
        var ended = sessions.Values.Where(s => s.Ended).ToList();
        var total = window.Duration;
        return new HealthFigures(
            Round(hours),
            bootAccepted,
            hours == 0 ? 0 : Round(faults / hours),
            hours == 0 ? 0 : Round(reconnects / hours),
            ended.Count == 0 ? null : Round(100m * ended.Count(s => s.EnergyWh > 0) / ended.Count),
            total == Duration.Zero ? 100 : Round(100m * (decimal)((total - offline).TotalSeconds / total.TotalSeconds)));
    }

    /// <summary>Each gate the figures since the update failed against the baseline, in words; empty when all passed.</summary>
    public static IReadOnlyList<string> Failures(HealthFigures baseline, HealthFigures since, HealthGates gates)
    {
        var failures = new List<string>();
        if (gates.RequireBootAccepted && since.BootAccepted != true)
            failures.Add("no accepted boot on the new firmware");
        var faults = since.FaultsPerHour - baseline.FaultsPerHour;
        if (faults > gates.MaxFaultsPerHourIncrease)
            failures.Add($"faults per hour rose by {faults} (at most {gates.MaxFaultsPerHourIncrease})");
        var reconnects = since.ReconnectsPerHour - baseline.ReconnectsPerHour;
        if (reconnects > gates.MaxReconnectsPerHourIncrease)
            failures.Add($"reconnects per hour rose by {reconnects} (at most {gates.MaxReconnectsPerHourIncrease})");
        if (baseline.ChargeSuccessPercent is { } before && since.ChargeSuccessPercent is { } after && before - after > gates.MaxChargeSuccessDropPoints)
            failures.Add($"charge success fell by {before - after} points (at most {gates.MaxChargeSuccessDropPoints})");
        var uptime = baseline.UptimePercent - since.UptimePercent;
        if (uptime > gates.MaxUptimeDropPoints)
            failures.Add($"uptime fell by {uptime} points (at most {gates.MaxUptimeDropPoints})");
        return failures;
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.ToEven);
}
