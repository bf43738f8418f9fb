using System.Text.Json.Nodes;
using Marten.Services.Json.Transformations;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;

namespace Settlement.Ledger.Store;

/// <summary>
/// Every retired event version read as its successor. Most v1s here kept a driver's identifier in plain: read as
/// v2, the identifier is marked <see cref="DriverSealed.WrittenInPlain"/>, so readers see one shape and can tell it
/// was never sealed; a refused frame has no driver it can be trusted to name, so it reads redacted instead. A v1
/// site had no address, and reads as a v2 site without one; a v1 issuer had one VAT id, and reads as a v2 issuer registered
/// for VAT in its own country only, with no payment terms nor bank account.
/// </summary>
public static class VersionUpcasters
{
    public static IEventUpcaster[] All { get; } =
    [
        new IdTokenAuthorisedUpcaster(),
        new SessionAuthorisedUpcaster(),
        new SessionStartedUpcaster(),
        new RoamingTokenSeenUpcaster(),
        new RoamingSessionRecordedUpcaster(),
        new RoamingSessionRecordedV2Upcaster(),
        new CommandIssuedUpcaster(),
        new ProtocolViolationRecordedUpcaster(),
        new SiteRegisteredUpcaster(),
        new InvoiceIssuerRegisteredUpcaster(),
    ];

    /// <summary>The v1 type each v2 type supersedes, for readers that pick rows by stored type themselves (Settlement.Projections' KpiRebuild).</summary>
    public static IReadOnlyDictionary<Type, Type> Supersedes { get; } = new Dictionary<Type, Type>
    {
        [typeof(IdTokenAuthorisedV2)] = typeof(IdTokenAuthorised),
        [typeof(SessionAuthorisedV2)] = typeof(SessionAuthorised),
        [typeof(SessionStartedV2)] = typeof(SessionStarted),
        [typeof(RoamingTokenSeenV2)] = typeof(RoamingTokenSeen),
        [typeof(RoamingSessionRecordedV2)] = typeof(RoamingSessionRecorded),
        [typeof(RoamingSessionRecordedV3)] = typeof(RoamingSessionRecordedV2),
        [typeof(CommandIssuedV2)] = typeof(CommandIssued),
        [typeof(ProtocolViolationRecordedV2)] = typeof(ProtocolViolationRecorded),
        [typeof(SiteRegisteredV2)] = typeof(SiteRegistered),
        [typeof(InvoiceIssuerRegisteredV2)] = typeof(InvoiceIssuerRegistered),
    };

    /// <summary>A v1 record as its v2, as Marten's upcasters read it; any other record as it is.</summary>
    public static object Upcast(object data) => data switch
    {
        IdTokenAuthorised old => IdTokenAuthorisedUpcaster.From(old),
        SessionAuthorised old => SessionAuthorisedUpcaster.From(old),
        SessionStarted old => SessionStartedUpcaster.From(old),
        RoamingTokenSeen old => RoamingTokenSeenUpcaster.From(old),
        RoamingSessionRecorded old => RoamingSessionRecordedV2Upcaster.From(RoamingSessionRecordedUpcaster.From(old)),
        RoamingSessionRecordedV2 old => RoamingSessionRecordedV2Upcaster.From(old),
        CommandIssued old => CommandIssuedUpcaster.From(old),
        ProtocolViolationRecorded old => ProtocolViolationRecordedUpcaster.From(old),
        SiteRegistered old => SiteRegisteredUpcaster.From(old),
        InvoiceIssuerRegistered old => InvoiceIssuerRegisteredV2.From(old),
        _ => data,
    };

    private sealed class IdTokenAuthorisedUpcaster : VersionUpcaster<IdTokenAuthorised, IdTokenAuthorisedV2>
    {
        protected override IdTokenAuthorisedV2 Upcast(IdTokenAuthorised old) => From(old);

        public static IdTokenAuthorisedV2 From(IdTokenAuthorised old) =>
            new(old.ChargerId, DriverSealed.WrittenInPlain(old.IdToken), old.Outcome, old.AuthorisedAt);
    }

    private sealed class SessionAuthorisedUpcaster : VersionUpcaster<SessionAuthorised, SessionAuthorisedV2>
    {
        protected override SessionAuthorisedV2 Upcast(SessionAuthorised old) => From(old);

        public static SessionAuthorisedV2 From(SessionAuthorised old) =>
            new(old.SessionId, old.ChargerId, old.EvseId, DriverSealed.WrittenInPlain(old.IdToken), old.TokenType, old.Outcome, old.AuthorisedAt);
    }

    private sealed class SessionStartedUpcaster : VersionUpcaster<SessionStarted, SessionStartedV2>
    {
        protected override SessionStartedV2 Upcast(SessionStarted old) => From(old);

        public static SessionStartedV2 From(SessionStarted old) =>
            new(old.SessionId, old.ChargerId, old.EvseId, old.ConnectorId, old.TransactionId, DriverSealed.WrittenInPlain(old.IdToken),
                old.MeterStartWh, old.StartedAt);
    }

    private sealed class RoamingTokenSeenUpcaster : VersionUpcaster<RoamingTokenSeen, RoamingTokenSeenV2>
    {
        protected override RoamingTokenSeenV2 Upcast(RoamingTokenSeen old) => From(old);

        public static RoamingTokenSeenV2 From(RoamingTokenSeen old) =>
            new(old.PartnerId, DriverSealed.WrittenInPlain(old.TokenUid), DriverSealed.WrittenInPlain(old.ContractId), old.Valid, old.SeenAt);
    }

    private sealed class RoamingSessionRecordedUpcaster : VersionUpcaster<RoamingSessionRecorded, RoamingSessionRecordedV2>
    {
        protected override RoamingSessionRecordedV2 Upcast(RoamingSessionRecorded old) => From(old);

        public static RoamingSessionRecordedV2 From(RoamingSessionRecorded old) =>
            new(old.PartnerId, old.SessionId, DriverSealed.WrittenInPlain(old.TokenUid), old.AuthorizationReference, old.StartedAt);
    }

    /// <summary>Before v3 every roaming session was one the partner's token authorised from its whitelist, an RFID card.</summary>
    private sealed class RoamingSessionRecordedV2Upcaster : VersionUpcaster<RoamingSessionRecordedV2, RoamingSessionRecordedV3>
    {
        protected override RoamingSessionRecordedV3 Upcast(RoamingSessionRecordedV2 old) => From(old);

        public static RoamingSessionRecordedV3 From(RoamingSessionRecordedV2 old) =>
            new(old.PartnerId, old.SessionId, old.TokenUid, "RFID", "WHITELIST", old.AuthorizationReference, old.StartedAt);
    }

    private sealed class CommandIssuedUpcaster : VersionUpcaster<CommandIssued, CommandIssuedV2>
    {
        protected override CommandIssuedV2 Upcast(CommandIssued old) => From(old);

        public static CommandIssuedV2 From(CommandIssued old)
        {
            var (payload, token) = OcppDriverToken.Without(JsonNode.Parse(old.PayloadJson)!.AsObject());
            return new(old.ChargerId, old.CommandId, old.Action, payload.ToJsonString(),
                token is null ? null : DriverSealed.WrittenInPlain(token), old.IssuedAt);
        }
    }

    /// <summary>The frame stays in plain in the v1 row; read as v2 it is redacted like the frames recorded since.</summary>
    private sealed class ProtocolViolationRecordedUpcaster : VersionUpcaster<ProtocolViolationRecorded, ProtocolViolationRecordedV2>
    {
        protected override ProtocolViolationRecordedV2 Upcast(ProtocolViolationRecorded old) => From(old);

        public static ProtocolViolationRecordedV2 From(ProtocolViolationRecorded old) =>
            new(old.ChargerId, old.ErrorCode, old.Description, FrameRedaction.Redact(old.RawFrame).Text, old.DetectedAt);
    }

    private sealed class SiteRegisteredUpcaster : VersionUpcaster<SiteRegistered, SiteRegisteredV2>
    {
        protected override SiteRegisteredV2 Upcast(SiteRegistered old) => From(old);

        public static SiteRegisteredV2 From(SiteRegistered old) =>
            new(old.SiteId, old.Name, Address: null, old.CountryCode, old.TimeZone, old.Latitude, old.Longitude, old.GridCapacityKw,
                GridCapacityAmpsPerPhase: null, old.RegisteredAt);
    }

    private sealed class InvoiceIssuerRegisteredUpcaster : VersionUpcaster<InvoiceIssuerRegistered, InvoiceIssuerRegisteredV2>
    {
        protected override InvoiceIssuerRegisteredV2 Upcast(InvoiceIssuerRegistered old) => InvoiceIssuerRegisteredV2.From(old);
    }
}
