using System.Text.RegularExpressions;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Kpis;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;

namespace Settlement.Domain.Events;

public enum EventFamily { Charger, Session, Pricing, Roaming, Invoicing, Kpis, Drivers }

/// <summary>
/// One stored event contract. <see cref="StoredName"/> is what the ledger writes in its type column and
/// must never change; a new meaning gets a new CLR type suffixed V2, V3... and an upcaster.
/// </summary>
public sealed partial record EventType(Type ClrType, EventFamily Family)
{
    public string Name { get; } = NameOf(ClrType);

    public int Version { get; } = VersionOf(ClrType);

    public string StoredName => StoredNameOf(ClrType);

    /// <summary>
    /// Superseded by a newer version the ledger now writes instead: stored records of it are still read
    /// (through an upcaster), new ones are refused.
    /// </summary>
    public bool Retired { get; init; }

    public static string StoredNameOf(Type clrType) => $"{NameOf(clrType)}_v{VersionOf(clrType)}";

    private static string NameOf(Type clrType) => SnakeCase(VersionSuffix().Replace(clrType.Name, ""));

    private static int VersionOf(Type clrType) => VersionSuffix().Match(clrType.Name) is { Success: true } m
        ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
        : 1;

    /// <summary>Path of the JSON Schema, relative to the repository's <c>schemas/</c> folder.</summary>
    public string SchemaPath => $"events/{Family.ToString().ToLowerInvariant()}/{Name}.v{Version}.json";

    private static string SnakeCase(string pascal) => LowerThenUpper().Replace(pascal, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("V([0-9]+)$")]
    private static partial Regex VersionSuffix();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex LowerThenUpper();
}

/// <summary>
/// Every event the ledger accepts. Listing them explicitly means nothing becomes a stored contract by
/// accident, and a type missing here is refused at append time.
/// </summary>
public sealed class EventCatalogue
{
    public static EventCatalogue Current { get; } = new(
    [
        new(typeof(SiteRegistered), EventFamily.Charger),
        new(typeof(ChargerRegistered), EventFamily.Charger),
        new(typeof(ChargerBooted), EventFamily.Charger),
        new(typeof(ConnectorStatusChanged), EventFamily.Charger),
        new(typeof(ChargerWentOffline), EventFamily.Charger),
        new(typeof(ChargerCameBackOnline), EventFamily.Charger),
        new(typeof(FaultReported), EventFamily.Charger),
        new(typeof(FaultCleared), EventFamily.Charger),
        new(typeof(MaintenancePlanned), EventFamily.Charger),
        new(typeof(MaintenanceEnded), EventFamily.Charger),
        new(typeof(FirmwareStatusReported), EventFamily.Charger),
        new(typeof(ChargerCredentialsSet), EventFamily.Charger),
        new(typeof(IdTokenAuthorised), EventFamily.Charger) { Retired = true },
        new(typeof(IdTokenAuthorisedV2), EventFamily.Charger),
        new(typeof(DataTransferReceived), EventFamily.Charger),
        new(typeof(DiagnosticsStatusReported), EventFamily.Charger),
        new(typeof(ComponentEventsReported), EventFamily.Charger),
        new(typeof(SecurityEventReported), EventFamily.Charger),
        new(typeof(ChargerReportReceived), EventFamily.Charger),
        new(typeof(ProtocolViolationRecorded), EventFamily.Charger) { Retired = true },
        new(typeof(ProtocolViolationRecordedV2), EventFamily.Charger),
        new(typeof(ProtocolViolationsCounted), EventFamily.Charger),
        new(typeof(ChargerMeterValuesRecorded), EventFamily.Charger),
        new(typeof(UnknownTransactionStopped), EventFamily.Charger),
        new(typeof(CommandIssued), EventFamily.Charger) { Retired = true },
        new(typeof(CommandIssuedV2), EventFamily.Charger),
        new(typeof(CommandCompleted), EventFamily.Charger),

        new(typeof(SessionAuthorised), EventFamily.Session) { Retired = true },
        new(typeof(SessionAuthorisedV2), EventFamily.Session),
        new(typeof(SessionStarted), EventFamily.Session) { Retired = true },
        new(typeof(SessionStartedV2), EventFamily.Session),
        new(typeof(MeterValuesRecorded), EventFamily.Session),
        new(typeof(SessionStopped), EventFamily.Session),
        new(typeof(SessionClosedForSilence), EventFamily.Session),
        new(typeof(SessionReopened), EventFamily.Session),
        new(typeof(SessionRated), EventFamily.Session),
        new(typeof(TransactionSequenceGapDetected), EventFamily.Session),

        new(typeof(TariffPublished), EventFamily.Pricing),
        new(typeof(TariffSuperseded), EventFamily.Pricing),
        new(typeof(TariffAssigned), EventFamily.Pricing),

        new(typeof(RoamingPartnerRegistered), EventFamily.Roaming),
        new(typeof(RoamingTokenSeen), EventFamily.Roaming) { Retired = true },
        new(typeof(RoamingTokenSeenV2), EventFamily.Roaming),
        new(typeof(RoamingSessionRecorded), EventFamily.Roaming) { Retired = true },
        new(typeof(RoamingSessionRecordedV2), EventFamily.Roaming),
        new(typeof(CdrIssued), EventFamily.Roaming),

        new(typeof(SiteJurisdictionResolved), EventFamily.Invoicing),
        new(typeof(TaxRateSet), EventFamily.Invoicing),
        new(typeof(InvoiceIssuerRegistered), EventFamily.Invoicing),
        new(typeof(InvoiceIssued), EventFamily.Invoicing),
        new(typeof(CreditNoteIssued), EventFamily.Invoicing),

        new(typeof(OutageCauseTagged), EventFamily.Kpis),
        new(typeof(MaintenanceCostReported), EventFamily.Kpis),

        new(typeof(DriverDataErased), EventFamily.Drivers),
    ]);

    private readonly Dictionary<Type, EventType> _byClrType;

    public EventCatalogue(IEnumerable<EventType> types)
    {
        All = types.ToList();
        _byClrType = All.ToDictionary(t => t.ClrType);
        var clash = All.GroupBy(t => t.StoredName).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"Two event types share the stored name '{clash.Key}'.");
    }

    public IReadOnlyList<EventType> All { get; }

    public EventType For(Type clrType) =>
        _byClrType.TryGetValue(clrType, out var type)
            ? type
            : throw new UnknownEventException(clrType);

    public bool Contains(Type clrType) => _byClrType.ContainsKey(clrType);
}

public sealed class RetiredEventException(EventType type)
    : Exception($"{type.StoredName} is retired and no longer appended; write its newest version instead.")
{
    public EventType EventType { get; } = type;
}

public sealed class UnknownEventException(Type clrType)
    : Exception($"'{clrType.FullName}' is not in the event catalogue; only catalogued events can be stored.")
{
    public Type ClrType { get; } = clrType;
}
