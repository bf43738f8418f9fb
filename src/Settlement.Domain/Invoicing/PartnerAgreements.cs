using NodaTime;
using Settlement.Domain.Roaming;

namespace Settlement.Domain.Invoicing;

/// <summary>
/// One roaming agreement of a partner: the commission it retains of our invoices, the currency they are settled in
/// (null for a partner registered before agreements named one: it settles in whatever its CDRs are priced in), how
/// often, and the first supply date it applies to (null: from the partner's first session).
/// </summary>
public sealed record AgreementTerm(
    decimal CommissionPercent, string? Currency, SettlementPeriod SettlementPeriod, LocalDate? EffectiveFrom, SourceEvent Source);

/// <summary>
/// A roaming partner as its invoices need it: the name and country billed by default, and every agreement recorded
/// for it, in the order recorded. The agreement in force on a supply date is the last recorded one that applies
/// from that date or earlier, so a correction recorded later wins on every date it covers.
/// </summary>
public sealed record InvoicedPartner(string Name, string CountryCode, IReadOnlyList<AgreementTerm> Agreements)
{
    public AgreementTerm? InForceOn(LocalDate supplyDate) =>
        Agreements.LastOrDefault(a => a.EffectiveFrom is not { } from || from <= supplyDate);

    /// <summary>
    /// Folds the partner's stream: an OCPI invitation or the legacy registration (demo data) names the partner and
    /// its first agreement; each agreement change adds one from its effective date. Null when neither was recorded.
    /// </summary>
    public static InvoicedPartner? From(IEnumerable<(object Data, SourceEvent Source)> history)
    {
        InvoicedPartner? partner = null;
        foreach (var (data, source) in history)
            partner = (data, partner) switch
            {
                (RoamingPartnerInvited invited, _) => new InvoicedPartner(invited.Name, invited.PartnerId[..2],
                    [.. partner?.Agreements ?? [], Term(invited.Agreement, null, source)]),
                (RoamingPartnerRegistered legacy, _) => new InvoicedPartner(legacy.Name, legacy.CountryCode,
                    [.. partner?.Agreements ?? [], new AgreementTerm(legacy.CommissionPercent, null, SettlementPeriod.Monthly, null, source)]),
                (RoamingAgreementChanged changed, { } known) => known with
                {
                    Agreements = [.. known.Agreements, Term(changed.Agreement, changed.EffectiveFrom, source)],
                },
                _ => partner,
            };
        return partner;
    }

    private static AgreementTerm Term(RoamingAgreement agreement, LocalDate? from, SourceEvent source) =>
        new(agreement.CommissionPercent, agreement.Currency, agreement.SettlementPeriod, from, source);
}

/// <summary>
/// A partner's CDR ready to invoice: the CDR as issued and its event, with the priced session it was derived
/// from (its site, tax and time zone, and the events those come from).
/// </summary>
public sealed record InvoicedCdr(CdrIssuedV2 Cdr, SourceEvent Source, InvoicedSession Session)
{
    /// <summary>The tax point: the local date at the station when the CDR's session ended.</summary>
    public LocalDate SupplyDate => LocalAt(Cdr.EndedAt).Date;

    public LocalDateTime LocalAt(Instant instant) => instant.InZone(DateTimeZoneProviders.Tzdb[Session.Price.TimeZone]).LocalDateTime;

    /// <summary>What the CDR charges including VAT: its total excluding VAT when it names no VAT-inclusive total.</summary>
    public decimal Gross => Cdr.TotalCost.InclVat ?? Cdr.TotalCost.ExclVat;

    public decimal Vat => Gross - Cdr.TotalCost.ExclVat;
}
