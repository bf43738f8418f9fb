using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>One period of a charging schedule: from <paramref name="StartPeriod"/> seconds into the schedule, at most <paramref name="Limit"/>.</summary>
public sealed record SchedulePeriod(int StartPeriod, decimal Limit, int NumberPhases);

/// <summary>
/// A charging profile as a simulated charger keeps it: its id and purpose, the transaction a TxProfile is for, and its
/// schedule (in A per phase or W). An absolute schedule runs from its start; any other from when the profile arrived.
/// </summary>
public sealed record SimulatedProfile(int ProfileId, string Purpose, string? TransactionId, string Unit, Instant ScheduleStart, IReadOnlyList<SchedulePeriod> Periods)
{
    /// <summary>
    /// The profile a SetChargingProfile carries, and the EVSE it is for (0: the whole charger), in either version's shape;
    /// null when it has no schedule period.
    /// </summary>
    public static SimulatedProfile? Read(OcppProtocol protocol, JsonObject payload, Instant receivedAt, out int evseId)
    {
        var v16 = protocol == OcppProtocol.Ocpp16;
        evseId = payload[v16 ? "connectorId" : "evseId"]?.GetValue<int>() ?? 0;
        var profile = payload[v16 ? "csChargingProfiles" : "chargingProfile"]!.AsObject();
        var schedule = v16 ? profile["chargingSchedule"]!.AsObject() : profile["chargingSchedule"]!.AsArray()[0]!.AsObject();
        var periods = schedule["chargingSchedulePeriod"]!.AsArray().OfType<JsonObject>()
            .Select(p => new SchedulePeriod(p["startPeriod"]!.GetValue<int>(), p["limit"]!.GetValue<decimal>(), p["numberPhases"]?.GetValue<int>() ?? 3))
            .OrderBy(p => p.StartPeriod).ToList();
        if (periods.Count == 0) return null;
        var start = schedule["startSchedule"]?.GetValue<string>() is { } text && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed
            ? parsed.Value
            : receivedAt;
        var transactionId = profile["transactionId"] switch
        {
            null => null,
            JsonValue id when id.TryGetValue<int>(out var number) => number.ToString(CultureInfo.InvariantCulture),
            var id => id.GetValue<string>(),
        };
        return new SimulatedProfile(profile[v16 ? "chargingProfileId" : "id"]!.GetValue<int>(), profile["chargingProfilePurpose"]!.GetValue<string>(),
            transactionId, schedule["chargingRateUnit"]!.GetValue<string>(), start, periods);
    }

    /// <summary>The schedule's period in force at <paramref name="at"/> (before the schedule starts, its first).</summary>
    public SchedulePeriod PeriodAt(Instant at)
    {
        var elapsed = (at - ScheduleStart).TotalSeconds;
        return Periods.LastOrDefault(p => p.StartPeriod <= elapsed) ?? Periods[0];
    }

    /// <summary>The power the profile allows at <paramref name="at"/>: amperes per phase times the voltage and phases, or watts as given.</summary>
    public decimal LimitW(Instant at, int nominalVoltage)
    {
        var period = PeriodAt(at);
        return Unit == "W" ? period.Limit : period.Limit * nominalVoltage * period.NumberPhases;
    }
}
