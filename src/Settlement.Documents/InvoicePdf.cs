using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>
/// An issued invoice or credit note as an A4 PDF. The same document always renders to the same bytes:
/// the PDF's dates are when the invoice was issued and its ID comes from the invoice's number, never
/// from the clock or a random generator.
/// </summary>
public static class InvoicePdf
{
    private static readonly XFont Title = DocumentFonts.Create(16, bold: true);
    private static readonly XFont Heading = DocumentFonts.Create(9, bold: true);
    private static readonly XFont Body = DocumentFonts.Create(8.5, bold: false);
    private static readonly XFont Strong = DocumentFonts.Create(8.5, bold: true);
    private static readonly XFont Table = DocumentFonts.Create(7.5, bold: false);
    private static readonly XFont TableHeading = DocumentFonts.Create(7.5, bold: true);
    private static readonly XFont Small = DocumentFonts.Create(6.5, bold: false);

    private const XStringAlignment Left = XStringAlignment.Near;
    private const XStringAlignment Right = XStringAlignment.Far;

    private static readonly Column[] LineColumns =
    [
        new(0, 146, Left), new(150, 48, Left), new(200, 54, Right), new(256, 52, Right),
        new(310, 48, Right), new(360, 48, Right), new(410, 46, Right), new(458, 53, Right),
    ];

    private static readonly Column[] VatColumns =
    [
        new(0, 90, Left), new(92, 110, Left), new(204, 50, Right), new(256, 80, Right), new(338, 80, Right),
    ];

    private static readonly Column[] LabelAndValue = [new(0, 110, Left), new(112, 399, Left)];
    private static readonly Column[] Parties = [new(0, 250, Left), new(261, 250, Left)];
    private static readonly Column[] Totals = [new(261, 170, Left), new(433, 78, Right)];

    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var currency = Currency.FromCode(invoice.Currency);

        using var document = new PdfDocument();
        FixMetadata(document, invoice);
        using (var flow = new PageFlow(document, $"{TitleOf(invoice)} {invoice.Number}", Small))
        {
            WriteHeader(flow, invoice);
            WriteParties(flow, invoice);
            WriteLines(flow, invoice, currency);
            WriteVatBreakdown(flow, invoice, currency);
            WriteTotals(flow, invoice, currency);
            WriteNotes(flow, invoice);
            WriteSources(flow, invoice);
        }

        using var pdf = new MemoryStream();
        document.Save(pdf, closeStream: false);
        return StablePdf.Stabilise(pdf.ToArray(), Seed(invoice));
    }

    private static string Seed(InvoiceDocument invoice) => $"{invoice.IssuerId}/{invoice.Number}";

    private static string TitleOf(InvoiceDocument invoice) =>
        invoice.Kind == InvoiceKind.CreditNote ? "Credit note" : "Invoice";

    private static void FixMetadata(PdfDocument document, InvoiceDocument invoice)
    {
        document.Info.Title = $"{TitleOf(invoice)} {invoice.Number}";
        document.Info.Author = invoice.Seller.Name;
        document.Info.Subject = $"{TitleOf(invoice)} {invoice.Number} to {invoice.Buyer.Name}";
        document.Info.Creator = "Settlement";
        var issued = invoice.IssuedAt.ToDateTimeUtc();
        document.Info.CreationDate = issued;
        document.Info.ModificationDate = issued;

        // The file identifier names the document, not this rendering of it: the same for every rendering
        // of one issuer's invoice number, different for any other.
        var id = StablePdf.FileId(Seed(invoice));
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;

        // Uncompressed page content keeps the text greppable for auditors' tools and our tests; the pages
        // are small, the embedded font subsets are compressed regardless.
        document.Options.CompressContentStreams = false;
    }

    private static void WriteHeader(PageFlow flow, InvoiceDocument invoice)
    {
        flow.Row([new Column(0, flow.Width, Left)], [TitleOf(invoice)], Title);
        flow.Gap(6);
        Labelled(flow, "Number", invoice.Number);
        Labelled(flow, "Issue date", DocumentDates.Date(invoice.IssueDate));
        if (invoice.CreditsInvoice is { } credited) Labelled(flow, "Credits invoice", credited);
        if (invoice.Reason is { } reason) Labelled(flow, "Reason", reason);
        if (invoice.PeriodFrom is { } from && invoice.PeriodThrough is { } through)
            Labelled(flow, "Period", $"{DocumentDates.Date(from)} – {DocumentDates.Date(through)}");
        if (invoice.PartnerId is { } partner) Labelled(flow, "Roaming partner", partner);
        Labelled(flow, "Currency", invoice.Currency);
        flow.Gap(10);
    }

    private static void Labelled(PageFlow flow, string label, string value) => flow.Row(LabelAndValue, [label, value], Body);

    private static void WriteParties(PageFlow flow, InvoiceDocument invoice)
    {
        flow.Row(Parties, ["Seller", "Buyer"], Heading);
        flow.Row(Parties, [Describe(invoice.Seller), Describe(invoice.Buyer)], Body);
        flow.Gap(12);
    }

    private static string Describe(InvoiceParty party) =>
        string.Join("\n", new[]
        {
            party.Name,
            party.Address,
            party.CountryCode,
            party.VatId is { } vatId ? $"VAT ID {vatId}" : null,
        }.OfType<string>());

    private static void WriteLines(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        flow.KeepTogether(4 * TableHeading.GetHeight());
        var tax = TaxName(invoice);
        flow.Row(LineColumns, ["Description", "Supply date", "Quantity", "Unit price", $"{tax} rate", "Net", tax, "Gross"], TableHeading);
        flow.Rule();
        foreach (var line in invoice.Lines)
        {
            flow.Row(LineColumns,
            [
                line.Description,
                DocumentDates.Date(line.SupplyDate),
                $"{Plain(line.Quantity)} {line.Unit}",
                UnitPrice(line.UnitPrice, currency),
                RateOf(line.VatPercent, line.Jurisdiction, line.Treatment),
                Money(line.NetAmount, currency),
                Money(line.VatAmount, currency),
                Money(line.GrossAmount, currency),
            ], Table);
            flow.Gap(2);
        }
        flow.Rule();
        if (invoice.Lines.Any(l => l.Treatment == VatTreatment.ReverseCharge))
            flow.Paragraph("RC: reverse charge, the buyer accounts for the VAT.", Small);
        flow.Gap(10);
    }

    /// <summary>US sales tax is never called VAT: a document of US supplies says "Sales tax" wherever it names its tax.</summary>
    private static string TaxName(InvoiceDocument invoice) =>
        invoice.Lines.Count > 0 && invoice.Lines.All(l => l.TaxKind == TaxKind.SalesTax) ? "Sales tax" : "VAT";

    private static string RateOf(decimal percent, string jurisdiction, VatTreatment treatment) =>
        $"{Plain(percent)}% {jurisdiction}{(treatment == VatTreatment.ReverseCharge ? " RC" : "")}";

    private static void WriteVatBreakdown(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        flow.KeepTogether(4 * TableHeading.GetHeight());
        var tax = TaxName(invoice);
        flow.Row([new Column(0, flow.Width, Left)], [$"{tax} breakdown"], Heading);
        flow.Row(VatColumns, ["Jurisdiction", "Treatment", "Rate", "Net", tax], TableHeading);
        flow.Rule();
        foreach (var vat in invoice.Vat)
            flow.Row(VatColumns,
            [
                vat.Authority is { } authority ? $"{vat.Jurisdiction} {authority}" : vat.Jurisdiction,
                vat.Treatment == VatTreatment.ReverseCharge ? "Reverse charge" : "Standard",
                $"{Plain(vat.VatPercent)}%",
                Money(vat.NetAmount, currency),
                Money(vat.VatAmount, currency),
            ], Table);
        flow.Gap(10);
    }

    private static void WriteTotals(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        flow.KeepTogether(6 * Strong.GetHeight());
        flow.Row(Totals, ["Total net", Money(invoice.TotalNet, currency)], Body);
        flow.Row(Totals, [TaxName(invoice) == "VAT" ? "Total VAT" : "Total sales tax", Money(invoice.TotalVat, currency)], Body);
        flow.Row(Totals, [$"Total {currency.Code}", Money(invoice.TotalGross, currency)], Strong);
        if (invoice.CommissionAmount is { } commission)
        {
            var percent = invoice.CommissionPercent is { } p ? $" ({Plain(p)}%)" : "";
            // The same model as the commission note: the total bills the CDRs; the partner retains the commission and pays the rest.
            flow.Row(Totals, [$"Commission retained{percent}", Money(commission, currency)], Body);
            flow.Row(Totals, [$"Amount due {currency.Code}", Money(invoice.TotalGross - commission, currency)], Strong);
        }
        flow.Gap(12);
    }

    private static void WriteNotes(PageFlow flow, InvoiceDocument invoice)
    {
        foreach (var note in invoice.Notes)
        {
            flow.Paragraph(note, Body);
            flow.Gap(3);
        }
        flow.Gap(9);
    }

    private static void WriteSources(PageFlow flow, InvoiceDocument invoice)
    {
        flow.KeepTogether(3 * Heading.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], ["Derived from events"], Heading);
        foreach (var source in invoice.Sources)
            flow.Paragraph($"{source.StreamId} @ {source.Version} ({source.EventType})", Small);
    }
}
