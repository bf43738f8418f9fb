using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Invoicing.Drafting;

/// <summary>Builders for invoice drafting tests: real sessions priced by the real pricer.</summary>
internal static class Drafts
{
    public static readonly InvoiceParty Seller = new("Settlement Charging GmbH", "Hauptstr. 1, 10115 Berlin", "DE", "DE123456789");
    public static readonly InvoiceParty Driver = new("Ad-hoc customer", null, null, null);
    public static readonly SourceEvent IssuerSource = new("issuer:cpo", 1, "invoice_issuer_registered_v1");
    public static readonly Instant IssuedAt = Instant.FromUtc(2026, 11, 2, 8, 0);

    /// <summary>The issuer of these drafts: registered for VAT at home with the seller's id, and in the other countries the tests supply in.</summary>
    public static InvoiceIssuer Issuer(Instant registeredAt) => new(
        new InvoiceIssuerRegisteredV2("cpo", Seller.Name, Seller.Address!, Seller.CountryCode!,
            [new VatRegistration("DE", Seller.VatId!), .. Issuing.InvoicingDesk.Registrations.Where(r => r.CountryCode != "DE")], null, null, registeredAt),
        IssuerSource);

    public static InvoiceHeader Header(long number, InvoiceParty? buyer = null, string series = "INV") =>
        new("cpo", series, number, IssuedAt, Seller, buyer ?? Driver, [IssuerSource]);

    /// <summary>A session of <paramref name="hours"/> at constant <paramref name="kw"/>, ending at the given local time.</summary>
    public static SessionPrice Priced(TariffPublished tariff, string zone, LocalDateTime start, double hours, decimal kw) =>
        SessionPricer.Price(
            Steady(start.InZoneLeniently(Zone(zone)).ToInstant(), start.InZoneLeniently(Zone(zone)).ToInstant() + Duration.FromHours(hours), kw),
            [Always(tariff)], Zone(zone));

    public static InvoicedSession Session(string id, SessionPrice price, string jurisdiction, decimal rate, string? country = null) =>
        new(id, "site-" + jurisdiction, "Site " + jurisdiction, price,
            new SupplyTax(jurisdiction, country ?? jurisdiction[..2], rate),
            [new SourceEvent("session:" + id, 7, "session_stopped_v1")]);

    public static TariffPublished EnergyTimeAndFee(string currency, decimal perKwh, decimal perHour, decimal fee) =>
        Tariff(currency, Element(null, Flat(fee), Energy(perKwh), Time(perHour)));
}
