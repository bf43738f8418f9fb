using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Projections.Chargers;

/// <summary>
/// What the operator and the OCPP endpoint need to know about a charger right now. A charger that
/// connects before the operator registers it (accepted as Pending) has an entry with Registered false.
/// <see cref="PasswordHash"/> is for the OCPP login only: the API shows whether a password is set, never the hash.
/// </summary>
public sealed record ChargerEntry(
    string Id,
    string ChargerId,
    bool Registered,
    string? SiteId,
    string? Vendor,
    string? Model,
    OcppVersion? Protocol,
    int EvseCount,
    string? FirmwareVersion,
    bool Online,
    int OpenFaults,
    string? PasswordHash,
    Instant? RegisteredAt,
    Instant? LastBootAt)
{
    // Marten creates the entry from whichever event opens the stream; the stream key fills the ids.
    public ChargerEntry() : this("", "", false, null, null, null, null, 0, null, false, 0, null, null, null) { }

    /// <summary>The EVSEs and connectors as registered and configured since, by EVSE id.</summary>
    public IReadOnlyList<EvseSpecification> Evses { get; init; } = [];
}

/// <summary>Inline, so a command (and the OCPP handshake) reads back the charger it just changed.</summary>
public sealed partial class ChargerDirectory : SingleStreamProjection<ChargerEntry, string>
{
    public static ChargerEntry Apply(JasperFx.Events.IEvent<ChargerRegistered> e, ChargerEntry charger) => charger with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId, Registered = true, SiteId = e.Data.SiteId,
        Vendor = e.Data.Vendor, Model = e.Data.Model, Protocol = e.Data.Protocol, EvseCount = e.Data.Evses.Count,
        RegisteredAt = e.Data.RegisteredAt, Evses = [.. e.Data.Evses.OrderBy(evse => evse.EvseId)],
    };

    public static ChargerEntry Apply(EvseConfigured e, ChargerEntry charger)
    {
        List<EvseSpecification> evses = [.. charger.Evses.Where(evse => evse.EvseId != e.Evse.EvseId), e.Evse];
        return charger with { Evses = [.. evses.OrderBy(evse => evse.EvseId)], EvseCount = evses.Count };
    }

    public static ChargerEntry Apply(JasperFx.Events.IEvent<ChargerBooted> e, ChargerEntry charger) => charger with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId, Vendor = charger.Vendor ?? e.Data.Vendor, Model = charger.Model ?? e.Data.Model,
        FirmwareVersion = e.Data.FirmwareVersion, Online = true, LastBootAt = e.Data.BootedAt,
    };

    public static ChargerEntry Apply(ChargerCredentialsSet e, ChargerEntry charger) => charger with { PasswordHash = e.PasswordHash };

    public static ChargerEntry Apply(ChargerCredentialsRehashed e, ChargerEntry charger) => charger with { PasswordHash = e.PasswordHash };

    public static ChargerEntry Apply(ChargerWentOffline e, ChargerEntry charger) => charger with { Online = false };

    public static ChargerEntry Apply(ChargerCameBackOnline e, ChargerEntry charger) => charger with { Online = true };

    public static ChargerEntry Apply(FaultReported e, ChargerEntry charger) =>
        charger with { OpenFaults = charger.OpenFaults + 1 };

    public static ChargerEntry Apply(FaultCleared e, ChargerEntry charger) =>
        charger with { OpenFaults = Math.Max(0, charger.OpenFaults - 1) };
}
