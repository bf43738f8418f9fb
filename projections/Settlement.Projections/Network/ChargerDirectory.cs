using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Projections.Network;

/// <summary>What the operator and the OCPP endpoint need to know about a charger right now.</summary>
public sealed record ChargerEntry(
    string Id,
    string ChargerId,
    string SiteId,
    string Vendor,
    string Model,
    OcppVersion Protocol,
    int EvseCount,
    string? FirmwareVersion,
    bool Online,
    int OpenFaults,
    Instant RegisteredAt,
    Instant? LastBootAt);

/// <summary>Inline, so a command can read back the charger it just registered.</summary>
public sealed partial class ChargerDirectory : SingleStreamProjection<ChargerEntry, string>
{
    public static ChargerEntry Create(JasperFx.Events.IEvent<ChargerRegistered> e) => new(
        e.StreamKey!, e.Data.ChargerId, e.Data.SiteId, e.Data.Vendor, e.Data.Model, e.Data.Protocol,
        e.Data.Evses.Count, FirmwareVersion: null, Online: false, OpenFaults: 0, e.Data.RegisteredAt, LastBootAt: null);

    public static ChargerEntry Apply(ChargerBooted e, ChargerEntry charger) =>
        charger with { FirmwareVersion = e.FirmwareVersion, Online = true, LastBootAt = e.BootedAt };

    public static ChargerEntry Apply(ChargerWentOffline e, ChargerEntry charger) => charger with { Online = false };

    public static ChargerEntry Apply(ChargerCameBackOnline e, ChargerEntry charger) => charger with { Online = true };

    public static ChargerEntry Apply(FaultReported e, ChargerEntry charger) =>
        charger with { OpenFaults = charger.OpenFaults + 1 };

    public static ChargerEntry Apply(FaultCleared e, ChargerEntry charger) =>
        charger with { OpenFaults = Math.Max(0, charger.OpenFaults - 1) };
}
