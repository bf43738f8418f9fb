using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Access;

namespace Settlement.Projections.Access;

/// <summary>
/// Whose a site, issuer, tariff or token is now, by its stream key (<c>site:…</c>, <c>issuer:…</c>, <c>tariff:…</c>, <c>token:…</c>).
/// A stream without an entry, or with a null <see cref="OperatorId"/>, is the top-level operator's own.
/// </summary>
public sealed record OwnedStream(string Id, string? OperatorId)
{
    public OwnedStream() : this("", null) { }
}

/// <summary>Inline, so a site a sub-operator registers is its own in the same transaction, and the next request already sees it.</summary>
public sealed partial class Ownership : SingleStreamProjection<OwnedStream, string>
{
    public static OwnedStream Apply(JasperFx.Events.IEvent<SiteOperatorAssigned> e, OwnedStream owned) =>
        new(e.StreamKey!, e.Data.OperatorId);

    public static OwnedStream Apply(JasperFx.Events.IEvent<IssuerOperatorAssigned> e, OwnedStream owned) =>
        new(e.StreamKey!, e.Data.OperatorId);

    public static OwnedStream Apply(JasperFx.Events.IEvent<TariffOperatorAssigned> e, OwnedStream owned) =>
        new(e.StreamKey!, e.Data.OperatorId);

    public static OwnedStream Apply(JasperFx.Events.IEvent<TokenOperatorAssigned> e, OwnedStream owned) =>
        new(e.StreamKey!, e.Data.OperatorId);
}

/// <summary>A sub-operator as <c>GET /api/operators</c> lists it. Id: its stream key.</summary>
public sealed record SubOperatorEntry(string Id, string OperatorId, string Name, string? LegalName, Instant RegisteredAt)
{
    public SubOperatorEntry() : this("", "", "", null, default) { }
}

/// <summary>Inline, so a site can be assigned to a sub-operator right after it is registered.</summary>
public sealed partial class SubOperatorDirectory : SingleStreamProjection<SubOperatorEntry, string>
{
    public static SubOperatorEntry Apply(JasperFx.Events.IEvent<SubOperatorRegistered> e, SubOperatorEntry entry) =>
        new(e.StreamKey!, e.Data.OperatorId, e.Data.Name, e.Data.LegalName, e.Data.RegisteredAt);
}
