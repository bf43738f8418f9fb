using System.Text.Json;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger;
using Xunit;

namespace Settlement.Tests.SelfHealing;

/// <summary>
/// Shared fixtures of the self-healing domain tests: a site's chargers, incidents as their events, and comparison of
/// events and states as the ledger stores them (records compare their lists by reference, JSON by content).
/// </summary>
internal static class HealingSpec
{
    public static readonly Instant T0 = Instant.FromUtc(2026, 12, 6, 9, 0);

    public static Instant At(int seconds) => T0 + Duration.FromSeconds(seconds);

    public static string AsJson(object? value) => value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), LedgerJson.Options);

    public static void Same(object? expected, object? actual) => Assert.Equal(AsJson(expected), AsJson(actual));

    /// <summary>Accepted with exactly these events, in order (none: the trigger is stale).</summary>
    public static void Then(Decision decision, params object[] expected)
    {
        Assert.Null(decision.Refusal);
        Assert.Equal(expected.Select(AsJson), decision.Events.Select(AsJson));
    }

    public static IncidentOpened Opened(string incidentId = "INC-7-ConnectorFaulted", IncidentKind kind = IncidentKind.ConnectorFaulted,
        string chargerId = "CP-1", string siteId = "SITE-1", string? errorCode = "InternalError", Instant? at = null, string vendor = "Acme",
        string model = "Volt", string? firmware = "1.2.0") =>
        new(incidentId, kind, chargerId, siteId, vendor, model, firmware, 1, kind == IncidentKind.SessionStuck ? "S-1" : null,
            kind == IncidentKind.ConnectorFaulted ? errorCode : null, "fault InternalError on EVSE 1 connector 1", 7, at ?? T0);

    public static HealingActionTaken Taken(string incidentId, int step, HealingAction action, Instant at, int waitSeconds) =>
        new(incidentId, step, action, IncidentProcess.CommandIds(incidentId, step, action), at, at + Duration.FromSeconds(waitSeconds));

    public static HealingActionAnswered Answered(string incidentId, int step, HealingActionResult result, Instant at, string? status = null) =>
        new(incidentId, step, result, status ?? result.ToString(), at);

    public static ChargerRegistered Registered(string chargerId, string siteId = "SITE-1", string vendor = "Acme", string model = "Volt") =>
        new(chargerId, siteId, vendor, model, OcppVersion.Ocpp16,
            [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Type2, 22m)])], T0);

    public static ChargerBooted Booted(string chargerId, string? firmware = "1.2.0") =>
        new(chargerId, "Acme", "Volt", null, firmware, BootReason.PowerUp, T0);
}
