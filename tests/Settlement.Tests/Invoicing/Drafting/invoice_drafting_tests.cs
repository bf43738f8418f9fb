using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Invoicing.Drafting.Drafts;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Invoicing.Drafting;

public class invoice_drafting_tests
{
    private static readonly LocalDateTime Evening = new(2026, 10, 12, 18, 0);

    [Fact]
    public void a_session_invoice_has_a_line_per_component_and_totals_that_add_up()
    {
        var price = Priced(EnergyTimeAndFee("EUR", perKwh: 0.39m, perHour: 1.20m, fee: 0.50m), "Europe/Berlin", Evening, hours: 1.5, kw: 11m);

        var invoice = InvoiceDrafting.ForSession(Header(1), Session("S1", price, "DE", 19m));

        Assert.Equal("INV-000001", invoice.Number);
        Assert.Equal(["Session fee (tariff T v1)", "Energy (tariff T v1)", "Charging time (tariff T v1)"], invoice.Lines.Select(l => l.Description));
        Assert.Equal([1m, 16.5m, 1.5m], invoice.Lines.Select(l => l.Quantity));
        Assert.Equal(["session", "kWh", "h"], invoice.Lines.Select(l => l.Unit));
        // 0.50 + 16.5 × 0.39 + 1.5 × 1.20 = 8.735, rounded half away from zero.
        Assert.Equal(8.74m, invoice.TotalNet);
        Assert.Equal(price.TotalExclVat.Amount, invoice.TotalNet);
        Assert.Equal(1.66m, invoice.TotalVat);
        Assert.Equal(10.40m, invoice.TotalGross);
        Assert.Equal(invoice.TotalNet, invoice.Lines.Sum(l => l.NetAmount));
        Assert.Equal(invoice.TotalVat, invoice.Lines.Sum(l => l.VatAmount));
        Assert.Equal([new VatBreakdown("DE", 19m, VatTreatment.Standard, 8.74m, 1.66m)], invoice.Vat);
        Assert.Equal(new LocalDate(2026, 10, 12), invoice.Lines[0].SupplyDate);
        Assert.Equal([IssuerSource, new SourceEvent("session:S1", 7, "session_stopped_v1")], invoice.Sources);
    }

    [Fact]
    public void yen_invoices_are_in_whole_yen()
    {
        var price = Priced(EnergyTimeAndFee("JPY", perKwh: 55m, perHour: 0m, fee: 110m), "Asia/Tokyo", Evening, hours: 0.75, kw: 7.4m);

        var invoice = InvoiceDrafting.ForSession(Header(1), Session("S1", price, "JP", 10m));

        // 110 + 5.55 kWh × 55 = 415.25 → 415; VAT 41.5 → 42 (half away from zero).
        Assert.Equal(415m, invoice.TotalNet);
        Assert.Equal(42m, invoice.TotalVat);
        Assert.Equal(457m, invoice.TotalGross);
        Assert.All(invoice.Lines, l => Assert.Equal((decimal.Round(l.NetAmount), decimal.Round(l.VatAmount)), (l.NetAmount, l.VatAmount)));
    }

    [Fact]
    public void the_tax_point_is_the_local_date_the_session_ended()
    {
        // Started on 30 June in Berlin, ended after midnight on 1 July: supplied on 1 July.
        var price = Priced(EnergyTimeAndFee("EUR", 0.30m, 0m, 0m), "Europe/Berlin", new LocalDateTime(2020, 6, 30, 23, 0), hours: 2, kw: 11m);

        Assert.Equal(new LocalDate(2020, 7, 1), InvoiceDrafting.SupplyDateOf(price));
    }

    [Theory]
    [InlineData("FR", "FR123", "DE", true)]
    [InlineData("DE", "DE123", "DE", false)]   // domestic: the supplier charges VAT
    [InlineData("FR", null, "DE", false)]      // no VAT id: not a taxable person as far as the invoice shows
    [InlineData("NO", "NO123MVA", "DE", false)] // not in the EU
    [InlineData("FR", "FR123", "NO", false)]    // supplied outside the EU
    public void reverse_charge_needs_an_eu_vat_id_from_another_member_state(string buyerCountry, string? vatId, string stationCountry, bool expected) =>
        Assert.Equal(expected, InvoiceDrafting.IsReverseCharged(new InvoiceParty("Buyer", null, buyerCountry, vatId), new SupplyTax(stationCountry, stationCountry, 20m)));

    [Fact]
    public void a_credit_note_of_every_line_reverses_the_invoice_exactly()
    {
        var invoice = InvoiceDrafting.ForSession(Header(7),
            Session("S1", Priced(EnergyTimeAndFee("EUR", 0.39m, 1.20m, 0.50m), "Europe/Berlin", Evening, 1.5, 11m), "DE", 19m));

        var note = InvoiceDrafting.CreditNote(Header(1, series: "CN"), invoice, [1, 2, 3], "Wrong tariff shown at the charger");

        Assert.Equal((InvoiceKind.CreditNote, "CN-000001", "INV-000007"), (note.Kind, note.Number, note.CreditsInvoice));
        Assert.Equal(-invoice.TotalNet, note.TotalNet);
        Assert.Equal(-invoice.TotalVat, note.TotalVat);
        Assert.Equal(-invoice.TotalGross, note.TotalGross);
        Assert.Equal(invoice.Vat.Select(v => v with { NetAmount = -v.NetAmount, VatAmount = -v.VatAmount }), note.Vat);
        Assert.Contains(new SourceEvent("invoices:cpo/INV", 7, "invoice_issued_v1"), note.Sources);
    }

    [Fact]
    public void a_partial_credit_note_keeps_the_numbers_of_the_lines_it_reverses()
    {
        var invoice = InvoiceDrafting.ForSession(Header(7),
            Session("S1", Priced(EnergyTimeAndFee("EUR", 0.39m, 1.20m, 0.50m), "Europe/Berlin", Evening, 1.5, 11m), "DE", 19m));

        var note = InvoiceDrafting.CreditNote(Header(1, series: "CN"), invoice, [3], "Charging time billed by mistake");

        var line = Assert.Single(note.Lines);
        Assert.Equal(3, line.LineNo);
        Assert.Equal(-invoice.Lines[2].GrossAmount, note.TotalGross);
    }

    [Fact]
    public void a_credit_note_is_never_credited_itself()
    {
        var invoice = InvoiceDrafting.ForSession(Header(1),
            Session("S1", Priced(EnergyTimeAndFee("EUR", 0.39m, 0m, 0m), "Europe/Berlin", Evening, 1, 11m), "DE", 19m));
        var note = InvoiceDrafting.CreditNote(Header(1, series: "CN"), invoice, [1], "reason");

        Assert.Throws<ArgumentException>(() => InvoiceDrafting.CreditNote(Header(2, series: "CN"), note, [1], "reason"));
    }
}
