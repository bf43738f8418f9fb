using System.Text.RegularExpressions;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Firmware;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Kpis;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Receivables;
using Settlement.Domain.Roaming;
using Settlement.Domain.SelfHealing;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;

namespace Settlement.Domain.Events;

/// <summary>The capability that owns an event: its schemas live in <c>schemas/events/&lt;family in lower case&gt;</c>, beside the capability's folder of the same name in every project.</summary>
public enum EventFamily { Access, Chargers, Sessions, Tariffs, Roaming, Invoicing, Kpis, Drivers, LoadBalancing, Firmware, SelfHealing, Receivables }

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
        new(typeof(SiteRegistered), EventFamily.Chargers) { Retired = true },
        new(typeof(SiteRegisteredV2), EventFamily.Chargers),
        new(typeof(SiteDetailsChanged), EventFamily.Chargers),
        new(typeof(SitePublicDetailsDescribed), EventFamily.Chargers),
        new(typeof(EvseConfigured), EventFamily.Chargers),
        new(typeof(ChargerRegistered), EventFamily.Chargers),
        new(typeof(ChargerBooted), EventFamily.Chargers),
        new(typeof(ConnectorStatusChanged), EventFamily.Chargers),
        new(typeof(ChargerWentOffline), EventFamily.Chargers),
        new(typeof(ChargerCameBackOnline), EventFamily.Chargers),
        new(typeof(FaultReported), EventFamily.Chargers),
        new(typeof(FaultCleared), EventFamily.Chargers),
        new(typeof(MaintenancePlanned), EventFamily.Chargers),
        new(typeof(MaintenanceEnded), EventFamily.Chargers),
        new(typeof(FirmwareStatusReported), EventFamily.Chargers),
        new(typeof(ChargerCredentialsSet), EventFamily.Chargers),
        new(typeof(ChargerCredentialsRehashed), EventFamily.Chargers),
        new(typeof(IdTokenAuthorised), EventFamily.Chargers) { Retired = true },
        new(typeof(IdTokenAuthorisedV2), EventFamily.Chargers),
        new(typeof(DataTransferReceived), EventFamily.Chargers),
        new(typeof(DiagnosticsStatusReported), EventFamily.Chargers),
        new(typeof(ComponentEventsReported), EventFamily.Chargers),
        new(typeof(SecurityEventReported), EventFamily.Chargers),
        new(typeof(ChargerReportReceived), EventFamily.Chargers),
        new(typeof(ProtocolViolationRecorded), EventFamily.Chargers) { Retired = true },
        new(typeof(ProtocolViolationRecordedV2), EventFamily.Chargers),
        new(typeof(ProtocolViolationsCounted), EventFamily.Chargers),
        new(typeof(ChargerMeterValuesRecorded), EventFamily.Chargers),
        new(typeof(UnknownTransactionStopped), EventFamily.Chargers),
        new(typeof(CommandIssued), EventFamily.Chargers) { Retired = true },
        new(typeof(CommandIssuedV2), EventFamily.Chargers),
        new(typeof(CommandCompleted), EventFamily.Chargers),

        new(typeof(SessionAuthorised), EventFamily.Sessions) { Retired = true },
        new(typeof(SessionAuthorisedV2), EventFamily.Sessions),
        new(typeof(SessionStarted), EventFamily.Sessions) { Retired = true },
        new(typeof(SessionStartedV2), EventFamily.Sessions),
        new(typeof(MeterValuesRecorded), EventFamily.Sessions),
        new(typeof(SessionStopped), EventFamily.Sessions),
        new(typeof(SessionClosedForSilence), EventFamily.Sessions),
        new(typeof(SessionReopened), EventFamily.Sessions),
        new(typeof(SessionRated), EventFamily.Sessions),
        new(typeof(TransactionSequenceGapDetected), EventFamily.Sessions),
        new(typeof(SessionCustomerGroupAssigned), EventFamily.Sessions),

        new(typeof(TariffPublished), EventFamily.Tariffs),
        new(typeof(TariffSuperseded), EventFamily.Tariffs),
        new(typeof(TariffAssigned), EventFamily.Tariffs),

        new(typeof(RoamingPartnerRegistered), EventFamily.Roaming),
        new(typeof(RoamingTokenSeen), EventFamily.Roaming) { Retired = true },
        new(typeof(RoamingTokenSeenV2), EventFamily.Roaming),
        new(typeof(RoamingSessionRecorded), EventFamily.Roaming) { Retired = true },
        new(typeof(RoamingSessionRecordedV2), EventFamily.Roaming) { Retired = true },
        new(typeof(RoamingSessionRecordedV3), EventFamily.Roaming),
        new(typeof(CdrIssued), EventFamily.Roaming),
        new(typeof(CdrIssuedV2), EventFamily.Roaming),
        new(typeof(RoamingPartnerInvited), EventFamily.Roaming),
        new(typeof(OcpiCredentialsExchanged), EventFamily.Roaming),
        new(typeof(OcpiCredentialsUpdated), EventFamily.Roaming),
        new(typeof(RoamingPartnerUnregistered), EventFamily.Roaming),
        new(typeof(RoamingAgreementChanged), EventFamily.Roaming),
        new(typeof(PartnerTokenRecorded), EventFamily.Roaming),
        new(typeof(PartnerTokenAuthorised), EventFamily.Roaming),
        new(typeof(OcpiCommandReceived), EventFamily.Roaming),
        new(typeof(OcpiCommandConcluded), EventFamily.Roaming),
        new(typeof(OcpiMessageExchanged), EventFamily.Roaming),
        new(typeof(OcpiPushQueued), EventFamily.Roaming),
        new(typeof(OcpiPushFailed), EventFamily.Roaming),
        new(typeof(OcpiPushDelivered), EventFamily.Roaming),

        new(typeof(SiteJurisdictionResolved), EventFamily.Invoicing),
        new(typeof(TaxRateSet), EventFamily.Invoicing),
        new(typeof(Invoicing.SalesTax.SiteSalesTaxDefined), EventFamily.Invoicing),
        new(typeof(InvoiceIssuerRegistered), EventFamily.Invoicing) { Retired = true },
        new(typeof(InvoiceIssuerRegisteredV2), EventFamily.Invoicing),
        new(typeof(TaxPointRuleSet), EventFamily.Invoicing),
        new(typeof(InvoiceIssued), EventFamily.Invoicing),
        new(typeof(CreditNoteIssued), EventFamily.Invoicing),

        new(typeof(PaymentReceived), EventFamily.Receivables),
        new(typeof(RefundPaid), EventFamily.Receivables),
        new(typeof(InvoiceWrittenOff), EventFamily.Receivables),
        new(typeof(BankStatementImported), EventFamily.Receivables),

        new(typeof(SitePowerModelDefined), EventFamily.LoadBalancing),
        new(typeof(GridSignalIssued), EventFamily.LoadBalancing),
        new(typeof(GridSignalWithdrawn), EventFamily.LoadBalancing),
        new(typeof(BatteryStateReported), EventFamily.LoadBalancing),
        new(typeof(LoadAllocationDecided), EventFamily.LoadBalancing),

        new(typeof(HealingRulesDefined), EventFamily.SelfHealing),
        new(typeof(IncidentOpened), EventFamily.SelfHealing),
        new(typeof(HealingActionTaken), EventFamily.SelfHealing),
        new(typeof(HealingActionAnswered), EventFamily.SelfHealing),
        new(typeof(IncidentResolved), EventFamily.SelfHealing),
        new(typeof(IncidentEscalated), EventFamily.SelfHealing),

        new(typeof(RolloutPlanned), EventFamily.Firmware),
        new(typeof(RolloutStageStarted), EventFamily.Firmware),
        new(typeof(ChargerUpdateDeferred), EventFamily.Firmware),
        new(typeof(ChargerUpdateRequested), EventFamily.Firmware),
        new(typeof(ChargerUpdateSucceeded), EventFamily.Firmware),
        new(typeof(ChargerUpdateFailed), EventFamily.Firmware),
        new(typeof(RolloutGateEvaluated), EventFamily.Firmware),
        new(typeof(RolloutHalted), EventFamily.Firmware),
        new(typeof(RolloutPaused), EventFamily.Firmware),
        new(typeof(RolloutResumed), EventFamily.Firmware),
        new(typeof(RolloutAborted), EventFamily.Firmware),
        new(typeof(RolloutCompleted), EventFamily.Firmware),

        new(typeof(OutageCauseTagged), EventFamily.Kpis),
        new(typeof(MaintenanceCostReported), EventFamily.Kpis),

        new(typeof(DriverDataErased), EventFamily.Drivers),
        new(typeof(TokenRegistered), EventFamily.Drivers),
        new(typeof(TokenBlocked), EventFamily.Drivers),
        new(typeof(TokenUnblocked), EventFamily.Drivers),
        new(typeof(TokenExpired), EventFamily.Drivers),
        new(typeof(TokenGroupChanged), EventFamily.Drivers),
        new(typeof(LocalListSent), EventFamily.Drivers),

        new(typeof(ApiKeyCreated), EventFamily.Access),
        new(typeof(ApiKeyRotated), EventFamily.Access),
        new(typeof(ApiKeyRevoked), EventFamily.Access),
        new(typeof(SubOperatorRegistered), EventFamily.Access),
        new(typeof(SiteOperatorAssigned), EventFamily.Access),
        new(typeof(IssuerOperatorAssigned), EventFamily.Access),
        new(typeof(TariffOperatorAssigned), EventFamily.Access),
        new(typeof(TokenOperatorAssigned), EventFamily.Access),
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
