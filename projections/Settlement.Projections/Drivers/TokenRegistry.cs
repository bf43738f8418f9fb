using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Drivers;

/// <summary>
/// A registered token as the API lists it. Its uid and contract id stay sealed here as in the events: the API
/// unseals them for the caller, and after the driver's erasure they read as null.
/// </summary>
public sealed record TokenEntry(string Id, string TokenId, DriverSealed Uid, TokenType Type, DriverSealed? ContractId,
    string? CustomerGroup, Instant? ExpiresAt, Instant RegisteredAt)
{
    public TokenEntry() : this("", "", new DriverSealed("", ""), TokenType.Rfid, null, null, null, default) { }

    public Instant? BlockedAt { get; init; }
    public Instant? ExpiredAt { get; init; }

    /// <summary>A roaming partner's token (pushed over OCPI): whose it is and how it may be authorised; null for the operator's own.</summary>
    public PartnerTokenDetails? Partner { get; init; }

    /// <summary>Events folded; their sum over all tokens is the registry's version, which local lists carry.</summary>
    public int Changes { get; init; }

    public TokenState State() => new(true, BlockedAt is not null, ExpiredAt is not null, ExpiresAt, CustomerGroup);
}

/// <summary>What a partner said of its token beyond uid and contract id (which stay sealed on the entry).</summary>
public sealed record PartnerTokenDetails(string PartnerId, string CountryCode, string PartyId, OcpiTokenType Type, string Issuer, string? GroupId,
    bool Valid, OcpiWhitelist Whitelist, string? Language, Instant LastUpdated);

/// <summary>Inline, so a token blocked through the API is refused by the next Authorize on every host.</summary>
public sealed partial class TokenRegistry : SingleStreamProjection<TokenEntry, string>
{
    public static TokenEntry Apply(JasperFx.Events.IEvent<TokenRegistered> e, TokenEntry token) => token with
    {
        Id = e.StreamKey!, TokenId = e.Data.TokenId, Uid = e.Data.Uid, Type = e.Data.Type, ContractId = e.Data.ContractId,
        CustomerGroup = e.Data.CustomerGroup, ExpiresAt = e.Data.ExpiresAt, RegisteredAt = e.Data.RegisteredAt, Changes = token.Changes + 1,
    };

    public static TokenEntry Apply(JasperFx.Events.IEvent<PartnerTokenRecorded> e, TokenEntry token) => token with
    {
        Id = e.StreamKey!, TokenId = e.Data.TokenId, Uid = e.Data.Uid, Type = TokenType.Roaming, ContractId = e.Data.ContractId,
        RegisteredAt = token.Partner is null ? e.Data.RecordedAt : token.RegisteredAt, Changes = token.Changes + 1,
        Partner = new PartnerTokenDetails(e.Data.PartnerId, e.Data.CountryCode, e.Data.PartyId, e.Data.Type, e.Data.Issuer, e.Data.GroupId,
            e.Data.Valid, e.Data.Whitelist, e.Data.Language, e.Data.LastUpdated),
    };

    public static TokenEntry Apply(TokenBlocked e, TokenEntry token) => token with { BlockedAt = e.BlockedAt, Changes = token.Changes + 1 };

    public static TokenEntry Apply(TokenUnblocked e, TokenEntry token) => token with { BlockedAt = null, Changes = token.Changes + 1 };

    public static TokenEntry Apply(TokenExpired e, TokenEntry token) => token with { ExpiredAt = e.ExpiredAt, Changes = token.Changes + 1 };

    public static TokenEntry Apply(TokenGroupChanged e, TokenEntry token) => token with { CustomerGroup = e.CustomerGroup, Changes = token.Changes + 1 };
}

/// <summary>The Drivers read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class DriversProjections
{
    public static StoreOptions AddDriversProjections(this StoreOptions options)
    {
        options.Projections.Add<TokenRegistry>(ProjectionLifecycle.Inline);
        // The list pages by token id.
        options.Schema.For<TokenEntry>().Duplicate(t => t.TokenId);
        return options;
    }
}
