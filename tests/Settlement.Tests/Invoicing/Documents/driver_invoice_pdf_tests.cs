using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Tests.Invoicing.Drafting;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>A driver's invoice as the driver and their finance team read it: which session, where, when, how much, how to pay.</summary>
public sealed class driver_invoice_pdf_tests
{
    /// <summary>A 2-hour session at 11 kW in Berlin, from 22:30 to 00:30 local time, drafted as issuing drafts it.</summary>
    private static InvoiceDocument Drafted()
    {
        var price = Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.49m, 1.20m, 0.50m), "Europe/Berlin", new LocalDateTime(2026, 10, 31, 22, 30), 2, 11m);
        var session = Drafts.Session("S-NIGHT-1", price, "DE", 19m) with { EvseId = "DE*STL*EBER01*1" };
        return InvoiceDrafting.ForSession(Drafts.Header(7), session);
    }

    [Fact]
    public void drafting_describes_the_session_each_line_bills()
    {
        var invoice = Drafted();

        Assert.All(invoice.Lines, line => Assert.Equal(
            ("DE*STL*EBER01*1", new LocalDateTime(2026, 10, 31, 22, 30), new LocalDateTime(2026, 11, 1, 0, 30), "Europe/Berlin", 22m),
            (line.EvseId, line.LocalStart!.Value, line.LocalEnd!.Value, line.TimeZone, line.EnergyKwh!.Value)));
    }

    [Fact]
    public void the_pdf_names_session_evse_local_start_and_end_with_the_zone_energy_and_tariff()
    {
        var text = PdfText.Extract(InvoicePdf.Render(Drafted()));

        Assert.Contains("Session\nS-NIGHT-1", text);
        Assert.Contains("EVSE\nDE*STL*EBER01*1", text);
        Assert.Contains("Start\n2026-10-31 22:30 (Europe/Berlin)", text);
        Assert.Contains("End\n2026-11-01 00:30 (Europe/Berlin)", text);
        Assert.Contains("Energy\n22 kWh", text);
        Assert.Contains("Energy (tariff T v1)", text);
    }

    [Fact]
    public void payment_terms_due_date_account_and_reference_are_printed_when_the_document_has_them()
    {
        var invoice = Drafted() with
        {
            TaxPoint = new LocalDate(2026, 11, 1),
            DueDate = new LocalDate(2026, 11, 16),
            PaymentTerms = "Payable within 14 days of the issue date, without deduction.",
            PayTo = new PaymentAccount("DE89370400440532013000", "COBADEFFXXX", "Settlement Charging GmbH"),
            PaymentReference = "INV-000007",
        };

        var text = PdfText.Extract(InvoicePdf.Render(invoice));

        Assert.Contains("Tax point\n2026-11-01", text);
        Assert.Contains("Due date\n2026-11-16", text);
        Assert.Contains("Payable within 14 days of the issue date, without deduction.", text);
        Assert.Contains("IBAN\nDE89 3704 0044 0532 0130 00", text);
        Assert.Contains("BIC\nCOBADEFFXXX", text);
        Assert.Contains("Payment reference\nINV-000007", text);
    }

    [Fact]
    public void a_tax_point_on_the_issue_date_is_not_repeated()
    {
        var invoice = Drafted();

        var text = PdfText.Extract(InvoicePdf.Render(invoice with { TaxPoint = invoice.IssueDate }));

        Assert.DoesNotContain("Tax point", text);
    }

    [Fact]
    public void a_document_issued_before_lines_described_their_session_still_renders_without_inventing_any_of_it()
    {
        var issuedBefore = GermanSessionInvoice();
        Assert.All(issuedBefore.Lines, line => Assert.Null(line.LocalStart));

        var text = PdfText.Extract(InvoicePdf.Render(issuedBefore));

        Assert.Contains("Session\nS-1001", text);
        Assert.Contains("Total EUR\n17.46", text);
        foreach (var invented in new[] { "EVSE", "Start\n", "Due date", "Payment", "IBAN", "Tax point" })
            Assert.DoesNotContain(invented, text);
    }

    [Fact]
    public void a_us_document_calls_its_tax_sales_tax_and_names_each_level()
    {
        var invoice = Drafted();
        var salesTax = invoice with
        {
            Lines = [.. invoice.Lines.Select(l => l with { TaxKind = TaxKind.SalesTax })],
            Vat =
            [
                new VatBreakdown("US-CO", 2.9m, VatTreatment.Standard, invoice.TotalNet, 0.40m, TaxKind.SalesTax, TaxLevel.State, "Colorado"),
                new VatBreakdown("US-CO", 4.81m, VatTreatment.Standard, invoice.TotalNet, 0.66m, TaxKind.SalesTax, TaxLevel.City, "Denver"),
            ],
        };

        var text = PdfText.Extract(InvoicePdf.Render(salesTax));

        Assert.Contains("Sales tax breakdown", text);
        Assert.Contains("US-CO Denver\nSales tax, city", text);
        Assert.Contains("Total sales tax", text);
        Assert.DoesNotContain("VAT", text.Replace("VAT ID", ""));
    }
}

/// <summary>What issuing reads from the ledger is enough for the driver's invoice to name its EVSE and local times.</summary>
[Collection(LedgerCollection.Name)]
public sealed class issued_driver_invoice_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October = Instant.FromUtc(2026, 10, 12, 12, 0);
    private readonly Issuing.InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    [Fact]
    public async Task a_session_billed_to_its_driver_names_the_evse_as_its_cdr_would_and_the_local_times_at_the_station()
    {
        var (network, session) = await _desk.SessionAtAsync(52.52m, 13.40m, "Europe/Berlin", "DE", October);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        var line = invoice.Lines[0];
        var evse = Settlement.Domain.Roaming.OcpiNetworkIds.EvseId("DE", "STL", network.ChargerId, 1);
        Assert.Equal((evse, new LocalDateTime(2026, 10, 12, 14, 0), "Europe/Berlin", 20m),
            (line.EvseId, line.LocalStart!.Value, line.TimeZone, line.EnergyKwh!.Value));
        Assert.True(line.LocalEnd > line.LocalStart);
        var text = PdfText.Extract(InvoicePdf.Render(invoice));
        Assert.Contains($"EVSE\n{evse}", text);
        Assert.Contains("Start\n2026-10-12 14:00 (Europe/Berlin)", text);
    }
}
