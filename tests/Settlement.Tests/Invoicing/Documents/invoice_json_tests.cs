using System.Text;
using System.Text.Json;
using Settlement.Documents;
using Snapshooter.Xunit;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>The public JSON of issued documents, byte for byte, and its schema.</summary>
public sealed class invoice_json_tests
{
    [Fact]
    public void a_german_session_invoice_with_energy_time_parking_and_a_session_fee() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceJson.Render(GermanSessionInvoice())));

    [Fact]
    public void a_yen_invoice_has_amounts_without_decimals_and_keeps_the_fraction_of_its_unit_price() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceJson.Render(JapaneseSessionInvoice())));

    [Fact]
    public void a_partner_invoice_with_two_jurisdictions_reverse_charge_and_commission() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceJson.Render(PartnerInvoice())));

    [Fact]
    public void a_credit_note_names_the_invoice_it_credits_and_carries_negative_amounts() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceJson.Render(GermanCreditNote())));

    public static TheoryData<string> Documents => ["german", "yen", "partner", "credit note"];

    [Theory]
    [MemberData(nameof(Documents))]
    public void every_rendered_document_validates_against_the_published_schema(string name)
    {
        var json = InvoiceJson.Render(ByName(name));

        var problems = CommittedSchemas.Problems("documents/invoice.v1.json", json);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void the_document_points_to_the_schema_it_follows()
    {
        using var json = JsonDocument.Parse(InvoiceJson.Render(GermanSessionInvoice()));
        using var schema = JsonDocument.Parse(CommittedSchemas.Read("documents/invoice.v1.json"));

        Assert.Equal(schema.RootElement.GetProperty("$id").GetString(), json.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void an_amount_with_a_fraction_of_a_minor_unit_is_refused_rather_than_rounded()
    {
        var invoice = JapaneseSessionInvoice() with { TotalNet = 1384.5m };

        var refused = Assert.Throws<ArgumentException>(() => InvoiceJson.Render(invoice));

        Assert.Contains("1384.5 is not a whole number of JPY minor units", refused.Message);
    }

    [Fact]
    public void the_same_document_renders_to_the_same_bytes_however_its_decimals_are_scaled()
    {
        var invoice = GermanSessionInvoice();
        var rescaled = invoice with { TotalNet = 14.670m, Lines = [invoice.Lines[0] with { VatPercent = 19.00m }, .. invoice.Lines.Skip(1)] };

        Assert.Equal(InvoiceJson.Render(invoice), InvoiceJson.Render(rescaled));
    }

    [Fact]
    public void a_driver_invoice_names_the_session_each_line_bills_and_how_to_pay_and_validates()
    {
        var price = Invoicing.Drafting.Drafts.Priced(Invoicing.Drafting.Drafts.EnergyTimeAndFee("EUR", 0.49m, 0m, 0m), "Europe/Berlin",
            new NodaTime.LocalDateTime(2026, 10, 31, 22, 30), 2, 11m);
        var session = Invoicing.Drafting.Drafts.Session("S-JSON-1", price, "DE", 19m) with { EvseId = "DE*STL*EBER01*1" };
        var invoice = Domain.Invoicing.InvoiceDrafting.ForSession(Invoicing.Drafting.Drafts.Header(3), session) with
        {
            DueDate = new NodaTime.LocalDate(2026, 11, 16),
            PaymentTerms = "Payable within 14 days.",
            PayTo = new Domain.Invoicing.PaymentAccount("DE89370400440532013000", null, "Settlement Charging GmbH"),
            PaymentReference = "INV-000003",
        };

        var rendered = InvoiceJson.Render(invoice);

        Assert.Empty(CommittedSchemas.Problems("documents/invoice.v1.json", rendered));
        using var json = JsonDocument.Parse(rendered);
        var line = json.RootElement.GetProperty("lines")[0];
        Assert.Equal(("DE*STL*EBER01*1", "2026-10-31T22:30:00", "2026-11-01T00:30:00", "Europe/Berlin", "22", "2026-11-01", "Vat"),
            (line.GetProperty("evseId").GetString(), line.GetProperty("localStart").GetString(), line.GetProperty("localEnd").GetString(),
             line.GetProperty("timeZone").GetString(), line.GetProperty("energyKwh").GetString(), line.GetProperty("taxPoint").GetString(),
             line.GetProperty("taxKind").GetString()));
        Assert.Equal(("2026-11-16", "DE89370400440532013000", "INV-000003"),
            (json.RootElement.GetProperty("dueDate").GetString(), json.RootElement.GetProperty("payTo").GetProperty("iban").GetString(),
             json.RootElement.GetProperty("paymentReference").GetString()));
    }

    private static Domain.Invoicing.InvoiceDocument ByName(string name) => name switch
    {
        "german" => GermanSessionInvoice(),
        "yen" => JapaneseSessionInvoice(),
        "partner" => PartnerInvoice(),
        _ => GermanCreditNote(),
    };
}
