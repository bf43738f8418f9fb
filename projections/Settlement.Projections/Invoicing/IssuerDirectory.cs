using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Projections.Invoicing;

/// <summary>An invoice issuer's legal identity as its latest registration states it. Id: the issuer's stream.</summary>
public sealed record IssuerEntry(
    string Id,
    string IssuerId,
    string LegalName,
    string Address,
    string CountryCode,
    string VatId,
    Instant RegisteredAt)
{
    public IssuerEntry() : this("", "", "", "", "", "", default) { }
}

/// <summary>Inline, so an issuer is listed the moment it is registered.</summary>
public sealed partial class IssuerDirectory : SingleStreamProjection<IssuerEntry, string>
{
    public static IssuerEntry Apply(JasperFx.Events.IEvent<InvoiceIssuerRegistered> e, IssuerEntry issuer) => new(
        e.StreamKey!, e.Data.IssuerId, e.Data.LegalName, e.Data.Address, e.Data.CountryCode, e.Data.VatId, e.Data.RegisteredAt);
}
