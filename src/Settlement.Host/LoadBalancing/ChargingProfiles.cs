using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;
using Settlement.Domain.LoadBalancing;

namespace Settlement.Host.LoadBalancing;

/// <summary>A lower limit that takes over at <paramref name="From"/> (a grid signal starting within the profile's horizon).</summary>
public sealed record LaterLimit(Instant From, decimal LimitAmps);

/// <summary>
/// The charging profiles the balancer sends, in each OCPP version's shape (1.6 <c>csChargingProfiles</c>, 2.0.1
/// <c>chargingProfile</c>): a TxProfile holding a session's limit, and a TxDefaultProfile per EVSE holding the limit it
/// falls back to when it loses the central system. Each EVSE has one fixed profile id per purpose, so a new profile
/// replaces the one before it rather than stacking beside it.
/// </summary>
public static class ChargingProfiles
{
    /// <summary>A session's TxProfile stacks above the EVSE's TxDefaultProfile.</summary>
    public const int TxDefaultStackLevel = 0;

    public const int TxStackLevel = 1;

    /// <summary>Profile ids the balancer owns: these plus the EVSE id (1 to 99), clear of the small ids operators use by hand.</summary>
    public const int TxDefaultProfileIds = 24_100;

    public const int TxProfileIds = 24_200;

    /// <summary>How far ahead a 2.0.1 TxProfile announces a lowering: grid signals starting later are sent when they come nearer.</summary>
    public static readonly Duration LaterLimitHorizon = Duration.FromHours(1);

    /// <summary>
    /// The TxProfile for the session's transaction: its limit from now on and, in 2.0.1, the later lowerings as schedule
    /// periods (1.6 has only the one period: a lowering there is sent when it falls due).
    /// </summary>
    public static JsonObject Tx(OcppVersion protocol, BalancedEvse evse, int nominalVoltage, string transactionId, decimal limitAmps,
        IReadOnlyList<LaterLimit> later, Instant now)
    {
        if (protocol == OcppVersion.Ocpp16)
        {
            var profile = new JsonObject
            {
                ["chargingProfileId"] = TxProfileIds + evse.EvseId,
                ["stackLevel"] = TxStackLevel,
                ["chargingProfilePurpose"] = "TxProfile",
                ["chargingProfileKind"] = "Relative",
                ["chargingSchedule"] = Schedule16(evse, nominalVoltage, limitAmps),
            };
            // 1.6 transaction ids are the integers the central system gave out.
            if (int.TryParse(transactionId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) profile["transactionId"] = id;
            return profile;
        }
        var periods = new JsonArray(Period(evse, nominalVoltage, 0, limitAmps));
        var running = limitAmps;
        foreach (var lower in later.Where(l => l.From > now && l.From - now <= LaterLimitHorizon).OrderBy(l => l.From))
        {
            if (lower.LimitAmps >= running) continue;
            running = lower.LimitAmps;
            periods.Add(Period(evse, nominalVoltage, (int)Math.Ceiling((lower.From - now).TotalSeconds), running));
        }
        return new JsonObject
        {
            ["id"] = TxProfileIds + evse.EvseId,
            ["stackLevel"] = TxStackLevel,
            ["chargingProfilePurpose"] = "TxProfile",
            ["chargingProfileKind"] = "Absolute",
            ["transactionId"] = transactionId,
            ["chargingSchedule"] = new JsonArray(new JsonObject
            {
                ["id"] = TxProfileIds + evse.EvseId,
                ["startSchedule"] = InstantPattern.ExtendedIso.Format(now),
                ["chargingRateUnit"] = evse.Unit.ToString(),
                ["chargingSchedulePeriod"] = periods,
            }),
        };
    }

    /// <summary>The EVSE's TxDefaultProfile: the limit it keeps, session or not, whenever no TxProfile says otherwise.</summary>
    public static JsonObject TxDefault(OcppVersion protocol, BalancedEvse evse, int nominalVoltage, decimal limitAmps) => protocol == OcppVersion.Ocpp16
        ? new JsonObject
        {
            ["chargingProfileId"] = TxDefaultProfileIds + evse.EvseId,
            ["stackLevel"] = TxDefaultStackLevel,
            ["chargingProfilePurpose"] = "TxDefaultProfile",
            ["chargingProfileKind"] = "Relative",
            ["chargingSchedule"] = Schedule16(evse, nominalVoltage, limitAmps),
        }
        : new JsonObject
        {
            ["id"] = TxDefaultProfileIds + evse.EvseId,
            ["stackLevel"] = TxDefaultStackLevel,
            ["chargingProfilePurpose"] = "TxDefaultProfile",
            ["chargingProfileKind"] = "Relative",
            ["chargingSchedule"] = new JsonArray(new JsonObject
            {
                ["id"] = TxDefaultProfileIds + evse.EvseId,
                ["chargingRateUnit"] = evse.Unit.ToString(),
                ["chargingSchedulePeriod"] = new JsonArray(Period(evse, nominalVoltage, 0, limitAmps)),
            }),
        };

    /// <summary>
    /// The limit in the EVSE's unit: amperes per phase for AC, watts for DC (the grid side's amperes × voltage × phases,
    /// rounded down to whole watts so that the charger never gets more than its share).
    /// </summary>
    public static decimal Limit(BalancedEvse evse, int nominalVoltage, decimal limitAmps) => evse.Unit == ChargingRateUnit.A
        ? limitAmps
        : Math.Floor(limitAmps * evse.WattsPerAmp(nominalVoltage));

    private static JsonObject Schedule16(BalancedEvse evse, int nominalVoltage, decimal limitAmps) => new()
    {
        ["chargingRateUnit"] = evse.Unit.ToString(),
        ["chargingSchedulePeriod"] = new JsonArray(Period(evse, nominalVoltage, 0, limitAmps)),
    };

    private static JsonObject Period(BalancedEvse evse, int nominalVoltage, int startPeriod, decimal limitAmps)
    {
        var period = new JsonObject { ["startPeriod"] = startPeriod, ["limit"] = Limit(evse, nominalVoltage, limitAmps) };
        // Phases matter to an AC limit in amperes; a DC limit in watts is the whole power.
        if (evse.Unit == ChargingRateUnit.A) period["numberPhases"] = evse.Phases.Count;
        return period;
    }
}
