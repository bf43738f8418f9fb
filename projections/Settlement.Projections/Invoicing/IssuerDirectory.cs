using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Projections.Invoicing;

/// <summary>
/// An invoice issuer's legal identity as its latest registration states it. Id: the issuer's stream. <see cref="VatId"/>
/// is the home registration's (the first when it has none at home), as before registrations per country.
/// </summary>
public sealed record IssuerEntry(
    string Id,
    string IssuerId,
    string LegalName,
    string Address,
    string CountryCode,
    string VatId,
    Instant RegisteredAt,
    IReadOnlyList<VatRegistration> VatRegistrations,
    int? PaymentTermsDays,
    PaymentAccount? BankAccount)
{
    public IssuerEntry() : this("", "", "", "", "", "", default, [], null, null) { }
}

/// <summary>Inline, so an issuer is listed the moment it is registered.</summary>
public sealed partial class IssuerDirectory : SingleStreamProjection<IssuerEntry, string>
{
    public static IssuerEntry Apply(JasperFx.Events.IEvent<InvoiceIssuerRegisteredV2> e, IssuerEntry issuer) => new(
        e.StreamKey!, e.Data.IssuerId, e.Data.LegalName, e.Data.Address, e.Data.CountryCode,
        (e.Data.HomeRegistration() ?? e.Data.VatRegistrations[0]).VatId, e.Data.RegisteredAt,
        e.Data.VatRegistrations, e.Data.PaymentTermsDays, e.Data.BankAccount);
}
