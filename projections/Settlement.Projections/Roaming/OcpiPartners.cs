using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Roaming;

public enum OcpiPartnerStatus { Invited, Registered, Unregistered }

/// <summary>
/// An OCPI partner as the host needs it on every call: which of our keys are its tokens A and C, where and how to
/// reach it, its agreement. Id: the partner's stream id ("partner:NL-EMS"); <paramref name="PartnerId"/> is "NL-EMS".
/// The sealed token B never leaves the host.
/// </summary>
public sealed record OcpiPartnerEntry(string Id, string PartnerId, string Name, OcpiPartnerStatus Status, string TokenAKeyId, RoamingAgreement Agreement, Instant InvitedAt)
{
    public OcpiPartnerEntry() : this("", "", "", OcpiPartnerStatus.Invited, "", new RoamingAgreement(0m, "EUR", SettlementPeriod.Monthly), default) { }

    public string? TokenCKeyId { get; init; }
    public string? Version { get; init; }
    public string? VersionsUrl { get; init; }
    public IReadOnlyList<OcpiPartyRole> Roles { get; init; } = [];
    public IReadOnlyList<OcpiEndpoint> Endpoints { get; init; } = [];
    public string? SealedTokenB { get; init; }
    public Instant? RegisteredAt { get; init; }
    public Instant? UnregisteredAt { get; init; }

    /// <summary>The URL of the partner's <paramref name="module"/> in <paramref name="role"/>; null when it implements none.</summary>
    public string? EndpointUrl(string module, OcpiInterfaceRole role) =>
        Endpoints.FirstOrDefault(e => e.Module == module && e.Role == role)?.Url;
}

/// <summary>Inline, so a partner's token works the moment the handshake is committed and stops the moment it is unregistered.</summary>
public sealed partial class OcpiPartners : SingleStreamProjection<OcpiPartnerEntry, string>
{
    public static OcpiPartnerEntry Create(JasperFx.Events.IEvent<RoamingPartnerInvited> e) =>
        new(e.StreamKey!, e.Data.PartnerId, e.Data.Name, OcpiPartnerStatus.Invited, e.Data.TokenAKeyId, e.Data.Agreement, e.Data.InvitedAt);

    public static OcpiPartnerEntry Apply(OcpiCredentialsExchanged e, OcpiPartnerEntry partner) => partner with
    {
        Status = OcpiPartnerStatus.Registered, Version = e.Version, VersionsUrl = e.VersionsUrl, Roles = e.Roles,
        Endpoints = e.Endpoints, SealedTokenB = e.SealedTokenB, TokenCKeyId = e.TokenCKeyId, RegisteredAt = e.ExchangedAt,
    };

    public static OcpiPartnerEntry Apply(OcpiCredentialsUpdated e, OcpiPartnerEntry partner) => partner with
    {
        Version = e.Version, VersionsUrl = e.VersionsUrl, Roles = e.Roles, Endpoints = e.Endpoints, SealedTokenB = e.SealedTokenB,
    };

    public static OcpiPartnerEntry Apply(RoamingAgreementChanged e, OcpiPartnerEntry partner) => partner with { Agreement = e.Agreement };

    public static OcpiPartnerEntry Apply(RoamingPartnerUnregistered e, OcpiPartnerEntry partner) => partner with
    {
        Status = OcpiPartnerStatus.Unregistered, UnregisteredAt = e.UnregisteredAt,
    };
}

public enum OcpiPushStatus { Pending, Delivered, GivenUp }

/// <summary>A message owed to a partner and how its delivery goes. Id: the push's stream id ("ocpi-push:{PushId}").</summary>
public sealed record OcpiPushEntry(string Id, string PushId, string PartnerId, string Module, string Method, string ObjectId, long SourceSequence, Instant QueuedAt)
{
    public OcpiPushEntry() : this("", "", "", "", "", "", 0, default) { }

    public OcpiPushStatus Status { get; init; }
    public int Attempts { get; init; }
    public Instant? RetryAt { get; init; }
    public string? LastProblem { get; init; }
    public Instant? DeliveredAt { get; init; }
}

/// <summary>Inline: the outbox is the ledger's own record of what is owed and what was delivered, so no host sends a push twice.</summary>
public sealed partial class OcpiOutbox : SingleStreamProjection<OcpiPushEntry, string>
{
    public static OcpiPushEntry Create(JasperFx.Events.IEvent<OcpiPushQueued> e) =>
        new(e.StreamKey!, e.Data.PushId, e.Data.PartnerId, e.Data.Module, e.Data.Method, e.Data.ObjectId, e.Data.SourceSequence, e.Data.QueuedAt) { RetryAt = e.Data.QueuedAt };

    public static OcpiPushEntry Apply(OcpiPushFailed e, OcpiPushEntry push) => push with
    {
        Attempts = e.Attempt, RetryAt = e.RetryAt, LastProblem = e.Problem,
        Status = e.RetryAt is null ? OcpiPushStatus.GivenUp : OcpiPushStatus.Pending,
    };

    public static OcpiPushEntry Apply(OcpiPushDelivered e, OcpiPushEntry push) => push with
    {
        Attempts = e.Attempt, Status = OcpiPushStatus.Delivered, DeliveredAt = e.DeliveredAt, RetryAt = null,
    };
}

/// <summary>How far the OCPI relay has read the ledger: a document beside it, not derived from it. Id: "ocpi-relay".</summary>
public sealed record OcpiRelayProgress(string Id, long Sequence) : Settlement.Ledger.Store.IFollowerProgress;
