using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Invoicing;

public enum JurisdictionMethod { Boundaries, Override }

/// <summary>
/// The taxing jurisdiction of a site, recorded once so an invoice never depends on boundary data that
/// changed since. <paramref name="Jurisdiction"/> is an ISO 3166-1 country ("DE") or, where a
/// subdivision sets its own rate, an ISO 3166-2 code ("US-CA"). <paramref name="NearBorderWith"/> lists
/// the jurisdictions within the boundary data's precision of the site: a reason to record an override.
/// </summary>
public sealed record SiteJurisdictionResolved(
    [property: MinLength(1)] string SiteId,
    [property: RegularExpression("^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] string Jurisdiction,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    JurisdictionMethod Method,
    [property: MinLength(1)] string Source,
    IReadOnlyList<string> NearBorderWith,
    string? Note,
    Instant ResolvedAt);

/// <summary>
/// A VAT / sales tax rate for a jurisdiction over the supply dates [ValidFrom, ValidThrough], both
/// inclusive; open-ended when <paramref name="ValidThrough"/> is null. A later rate set for overlapping
/// dates takes precedence over an earlier one and over the built-in table.
/// </summary>
public sealed record TaxRateSet(
    [property: RegularExpression("^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] string Jurisdiction,
    [property: Range(0.0, 100.0)] decimal RatePercent,
    LocalDate ValidFrom,
    LocalDate? ValidThrough,
    [property: MinLength(1)] string Source,
    Instant SetAt);

/// <summary>The legal entity that issues invoices, as printed on them. Read as <see cref="InvoiceIssuerRegisteredV2"/>.</summary>
public sealed record InvoiceIssuerRegistered(
    [property: RegularExpression("^[A-Za-z0-9_.-]{1,40}$")] string IssuerId,
    [property: MinLength(1)] string LegalName,
    [property: MinLength(1)] string Address,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1)] string VatId,
    Instant RegisteredAt);

/// <summary>
/// An issuer's VAT registration in one country. <paramref name="Oss"/> on the home registration: the issuer declares the
/// VAT of its supplies to consumers in other EU member states, where it has no registration, through the One-Stop Shop
/// of its home member state (the Union scheme, Articles 369a to 369k of Council Directive 2006/112/EC).
/// </summary>
public sealed record VatRegistration(
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1), MaxLength(40)] string VatId,
    bool Oss = false);

/// <summary>
/// v2: the issuer's VAT registrations per country (an invoice carries the one of its place of supply, so French VAT is
/// charged under the French id), the payment terms in days printed on its invoices and the bank account they are paid
/// to (both optional). A v1 registration reads as v2 with its VAT id as the one registration in its country, no terms
/// and no account.
/// </summary>
public sealed record InvoiceIssuerRegisteredV2(
    [property: RegularExpression("^[A-Za-z0-9_.-]{1,40}$")] string IssuerId,
    [property: MinLength(1)] string LegalName,
    [property: MinLength(1)] string Address,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    IReadOnlyList<VatRegistration> VatRegistrations,
    [property: Range(0, 365)] int? PaymentTermsDays,
    PaymentAccount? BankAccount,
    Instant RegisteredAt)
{
    /// <summary>
    /// The registration in the issuer's own country, where its OSS returns are filed; null when it has none there. A
    /// method, so it is not stored with the event.
    /// </summary>
    public VatRegistration? HomeRegistration() => VatRegistrations.FirstOrDefault(r => r.CountryCode == CountryCode);

    /// <summary>Equal when every field is, the registrations compared in order (a record compares lists by reference).</summary>
    public bool Equals(InvoiceIssuerRegisteredV2? other) =>
        other is not null && (IssuerId, LegalName, Address, CountryCode, PaymentTermsDays, BankAccount, RegisteredAt)
            == (other.IssuerId, other.LegalName, other.Address, other.CountryCode, other.PaymentTermsDays, other.BankAccount, other.RegisteredAt)
        && VatRegistrations.SequenceEqual(other.VatRegistrations);

    public override int GetHashCode() => HashCode.Combine(IssuerId, CountryCode, VatRegistrations.Count, RegisteredAt);

    public static InvoiceIssuerRegisteredV2 From(InvoiceIssuerRegistered v1) =>
        new(v1.IssuerId, v1.LegalName, v1.Address, v1.CountryCode, [new VatRegistration(v1.CountryCode, v1.VatId)], null, null, v1.RegisteredAt);
}

/// <summary>When VAT becomes chargeable on a supply: on the supply date, or on the invoice's issue date.</summary>
public enum TaxPointBasis { SupplyDate, IssueDate }

/// <summary>
/// The operator's rule for a jurisdiction's tax point, with the law it follows in <paramref name="Source"/>; it takes
/// precedence over the built-in rule. <paramref name="IssuedWithinDays"/> with <see cref="TaxPointBasis.IssueDate"/>:
/// the issue date only when the invoice is issued within that many days of the supply, the supply date otherwise (the
/// UK's 14-day rule, VAT Act 1994 s. 6(5)); null: always the issue date.
/// </summary>
public sealed record TaxPointRuleSet(
    [property: RegularExpression("^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] string Jurisdiction,
    TaxPointBasis Basis,
    [property: Range(1, 366)] int? IssuedWithinDays,
    [property: MinLength(1), MaxLength(500)] string Source,
    Instant SetAt);

/// <summary>An invoice, complete as issued: documents are rendered from this alone, so they never change.</summary>
public sealed record InvoiceIssued(InvoiceDocument Invoice);

/// <summary>A correction of an issued invoice: its lines with negative amounts, referencing it.</summary>
public sealed record CreditNoteIssued(InvoiceDocument CreditNote);
