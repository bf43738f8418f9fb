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

/// <summary>The legal entity that issues invoices, as printed on them.</summary>
public sealed record InvoiceIssuerRegistered(
    [property: RegularExpression("^[A-Za-z0-9_.-]{1,40}$")] string IssuerId,
    [property: MinLength(1)] string LegalName,
    [property: MinLength(1)] string Address,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1)] string VatId,
    Instant RegisteredAt);

/// <summary>An invoice, complete as issued: documents are rendered from this alone, so they never change.</summary>
public sealed record InvoiceIssued(InvoiceDocument Invoice);

/// <summary>A correction of an issued invoice: its lines with negative amounts, referencing it.</summary>
public sealed record CreditNoteIssued(InvoiceDocument CreditNote);
