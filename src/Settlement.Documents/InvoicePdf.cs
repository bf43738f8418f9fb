using PdfSharp.Drawing;
using PdfSharp.Pdf;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>
/// An issued invoice or credit note as an A4 PDF. The same document always renders to the same bytes:
/// the PDF's dates are when the invoice was issued and its ID comes from the invoice's number, never
/// from the clock or a random generator.
/// </summary>
/// <remarks>
/// A driver's invoice reads top to bottom: the session it bills (EVSE, local start and end, energy), its lines, the
/// tax, the totals and how to pay. A roaming partner's invoice bills hundreds of CDRs, so its first page is what
/// finance needs (parties, tax breakdown, totals, amount due, how to pay), then one short row per CDR with its kWh,
/// then each line's full description, the notes and the events it was derived from.
/// </remarks>
public static class InvoicePdf
{
    private static readonly XFont Title = DocumentFonts.Create(16, bold: true);
    private static readonly XFont Heading = DocumentFonts.Create(9, bold: true);
    private static readonly XFont Body = DocumentFonts.Create(8.5, bold: false);
    private static readonly XFont Strong = DocumentFonts.Create(8.5, bold: true);
    private static readonly XFont Table = DocumentFonts.Create(7.5, bold: false);
    private static readonly XFont TableHeading = DocumentFonts.Create(7.5, bold: true);
    private static readonly XFont Compact = DocumentFonts.Create(6.5, bold: false);
    private static readonly XFont CompactHeading = DocumentFonts.Create(6.5, bold: true);
    private static readonly XFont Small = DocumentFonts.Create(6.5, bold: false);

    private const XStringAlignment Left = XStringAlignment.Near;
    private const XStringAlignment Right = XStringAlignment.Far;

    private static readonly Column[] LineColumns =
    [
        new(0, 146, Left), new(150, 48, Left), new(200, 54, Right), new(256, 52, Right),
        new(310, 48, Right), new(360, 48, Right), new(410, 46, Right), new(458, 53, Right),
    ];

    /// <summary>A partner invoice's row per CDR: short enough for one text line, so 300 CDRs take a few pages.</summary>
    private static readonly Column[] CdrColumns =
    [
        new(0, 16, Right), new(20, 92, Left), new(114, 92, Left), new(208, 42, Left), new(252, 22, Left),
        new(276, 36, Left), new(314, 34, Right), new(350, 40, Right), new(392, 38, Right), new(432, 36, Right),
        new(470, 41, Right),
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
            if (BillsCdrs(invoice))
            {
                WriteVatBreakdown(flow, invoice, currency);
                WriteTotals(flow, invoice, currency);
                WritePayment(flow, invoice);
                WriteCdrLines(flow, invoice, currency);
                WriteLineDetails(flow, invoice);
            }
            else
            {
                WriteSession(flow, invoice);
                WriteLines(flow, invoice, currency);
                WriteVatBreakdown(flow, invoice, currency);
                WriteTotals(flow, invoice, currency);
                WritePayment(flow, invoice);
            }
            WriteNotes(flow, invoice);
            WriteSources(flow, invoice);
        }

        using var pdf = new MemoryStream();
        document.Save(pdf, closeStream: false);
        return StablePdf.Stabilise(pdf.ToArray(), Seed(invoice));
    }

    /// <summary>A roaming partner's invoice and its credit notes: a line per CDR (or, issued before CDRs, per site).</summary>
    private static bool BillsCdrs(InvoiceDocument invoice) => invoice.PartnerId is not null;

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
        // The tax point only where it is not the issue date, which is what a reader assumes otherwise.
        if (invoice.TaxPoint is { } taxPoint && taxPoint != invoice.IssueDate) Labelled(flow, "Tax point", DocumentDates.Date(taxPoint));
        if (invoice.DueDate is { } due) Labelled(flow, "Due date", DocumentDates.Date(due));
        if (invoice.CreditsInvoice is { } credited) Labelled(flow, "Credits invoice", credited);
        if (invoice.Reason is { } reason) Labelled(flow, "Reason", reason);
        if (invoice.PeriodFrom is { } from && invoice.PeriodThrough is { } through)
            Labelled(flow, "Period", $"{DocumentDates.Date(from)} – {DocumentDates.Date(through)}");
        if (invoice.PartnerId is { } partner) Labelled(flow, "Roaming partner", partner);
        if (invoice.BuyerReference is { } buyerReference) Labelled(flow, "Your reference", buyerReference);
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

    /// <summary>
    /// The session a driver's invoice bills, where its lines say: one session, named with its EVSE, local start and end
    /// in the station's time zone, and energy. Documents issued before lines described their session show what they have.
    /// </summary>
    private static void WriteSession(PageFlow flow, InvoiceDocument invoice)
    {
        var sessions = invoice.Lines.Select(l => l.SessionId).Distinct().ToList();
        if (sessions is not [{ } sessionId]) return;
        var line = invoice.Lines[0];
        flow.KeepTogether(6 * Body.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], ["Charging session"], Heading);
        Labelled(flow, "Session", sessionId);
        if (line.EvseId is { } evse) Labelled(flow, "EVSE", evse);
        if (line.SiteId is { } site) Labelled(flow, "Site", site);
        if (line.LocalStart is { } start && line.LocalEnd is { } end)
        {
            var zone = line.TimeZone is { } named ? $" ({named})" : "";
            Labelled(flow, "Start", $"{DateTime(start)}{zone}");
            Labelled(flow, "End", $"{DateTime(end)}{zone}");
        }
        if (line.EnergyKwh is { } kwh) Labelled(flow, "Energy", $"{Plain(kwh)} kWh");
        flow.Gap(10);
    }

    private static string DateTime(LocalDateTime at) => at.ToString("uuuu-MM-dd HH:mm", null);

    private static void WriteLines(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        flow.KeepTogether(4 * TableHeading.GetHeight());
        flow.Row(LineColumns, ["Description", "Supply date", "Quantity", "Unit price", $"{TaxName(invoice)} rate", "Net", TaxName(invoice), "Gross"], TableHeading);
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
        WriteReverseChargeKey(flow, invoice);
        flow.Gap(10);
    }

    /// <summary>
    /// One row per CDR: its number, EVSE, local date, start and end, its kWh as the quantity, rate and amounts. The
    /// session, site and time zone are in the line details that follow.
    /// </summary>
    private static void WriteCdrLines(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        var cdrs = InvoiceDrafting.CdrsBilledBy(invoice).ToDictionary(b => b.LineNo, b => b.CdrId);
        var zones = invoice.Lines.Select(l => l.TimeZone).OfType<string>().Distinct().ToList();
        var tax = TaxName(invoice);
        flow.KeepTogether(6 * CompactHeading.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], [$"Lines{(zones is [var zone] ? $" (local times, {zone})" : " (local times at the station)")}"], Heading);
        flow.Row(CdrColumns, ["#", cdrs.Count > 0 ? "CDR" : "Billed", "EVSE", "Date", "Start", "End", "kWh", $"{tax} rate", "Net", tax, "Gross"], CompactHeading);
        flow.Rule();
        foreach (var line in invoice.Lines)
        {
            var start = line.LocalStart;
            var end = line.LocalEnd;
            flow.Row(CdrColumns,
            [
                line.LineNo.ToString(System.Globalization.CultureInfo.InvariantCulture),
                cdrs.GetValueOrDefault(line.LineNo) ?? line.SessionId ?? line.Description,
                line.EvseId ?? "",
                DocumentDates.Date(start?.Date ?? line.SupplyDate),
                start?.ToString("HH:mm", null) ?? "",
                EndOf(start, end),
                line.Unit == "kWh" ? Plain(line.Quantity) : $"{Plain(line.Quantity)} {line.Unit}",
                RateOf(line.VatPercent, line.Jurisdiction, line.Treatment),
                Money(line.NetAmount, currency),
                Money(line.VatAmount, currency),
                Money(line.GrossAmount, currency),
            ], Compact);
        }
        flow.Rule();
        WriteReverseChargeKey(flow, invoice);
        flow.Gap(10);
    }

    /// <summary>The end's time, with the days it is after the start's date ("00:40 +1d") when it ends on a later day.</summary>
    private static string EndOf(LocalDateTime? start, LocalDateTime? end) => (start, end) switch
    {
        ({ } from, { } until) when until.Date != from.Date =>
            $"{until.ToString("HH:mm", null)} +{Period.Between(from.Date, until.Date, PeriodUnits.Days).Days}d",
        (_, { } until) => until.ToString("HH:mm", null),
        _ => "",
    };

    private static void WriteLineDetails(PageFlow flow, InvoiceDocument invoice)
    {
        flow.KeepTogether(3 * Heading.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], ["Line details"], Heading);
        foreach (var line in invoice.Lines)
            flow.Paragraph($"{line.LineNo}. {line.Description}", Small);
        flow.Gap(10);
    }

    private static void WriteReverseChargeKey(PageFlow flow, InvoiceDocument invoice)
    {
        if (invoice.Lines.Any(l => l.Treatment == VatTreatment.ReverseCharge))
            flow.Paragraph("RC: reverse charge, the buyer accounts for the VAT.", Small);
    }

    private static string RateOf(decimal percent, string jurisdiction, VatTreatment treatment) =>
        $"{Plain(percent)}% {jurisdiction}{(treatment == VatTreatment.ReverseCharge ? " RC" : "")}";

    /// <summary>What the document's tax is called: VAT, sales tax in the US (never "VAT" there), or just tax when it has both.</summary>
    private static string TaxName(InvoiceDocument invoice)
    {
        var kinds = invoice.Lines.Select(l => l.TaxKind).Concat(invoice.Vat.Select(v => v.TaxKind)).Distinct().ToList();
        return kinds switch
        {
            [TaxKind.SalesTax] => "Sales tax",
            [TaxKind.Vat] or [] => "VAT",
            _ => "Tax",
        };
    }

    private static void WriteVatBreakdown(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        var tax = TaxName(invoice);
        flow.KeepTogether(4 * TableHeading.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], [$"{tax} breakdown"], Heading);
        flow.Row(VatColumns, ["Jurisdiction", "Tax", "Rate", "Net", tax], TableHeading);
        flow.Rule();
        foreach (var vat in invoice.Vat)
            flow.Row(VatColumns,
            [
                vat.Authority is { } authority ? $"{vat.Jurisdiction} {authority}" : vat.Jurisdiction,
                TaxOf(vat),
                $"{Plain(vat.VatPercent)}%",
                Money(vat.NetAmount, currency),
                Money(vat.VatAmount, currency),
            ], Table);
        flow.Gap(10);
    }

    private static string TaxOf(VatBreakdown vat) => (vat.TaxKind, vat.Treatment) switch
    {
        (_, VatTreatment.ReverseCharge) => "VAT, reverse charge",
        (TaxKind.SalesTax, _) => vat.Level switch
        {
            TaxLevel.SpecialDistrict => "Sales tax, special district",
            { } level => $"Sales tax, {level.ToString().ToLowerInvariant()}",
            null => "Sales tax",
        },
        _ => "VAT, standard",
    };

    private static void WriteTotals(PageFlow flow, InvoiceDocument invoice, Currency currency)
    {
        flow.KeepTogether(6 * Strong.GetHeight());
        flow.Row(Totals, ["Total net", Money(invoice.TotalNet, currency)], Body);
        flow.Row(Totals, [TaxName(invoice) is "VAT" ? "Total VAT" : $"Total {TaxName(invoice).ToLowerInvariant()}", Money(invoice.TotalVat, currency)], Body);
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

    /// <summary>
    /// How to pay, as far as the document says; nothing at all when it says nothing (documents issued before it did).
    /// The due date is in the header, beside the issue date.
    /// </summary>
    private static void WritePayment(PageFlow flow, InvoiceDocument invoice)
    {
        if (invoice is { PaymentTerms: null, PayTo: null, PaymentReference: null }) return;
        flow.KeepTogether(6 * Body.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], ["Payment"], Heading);
        if (invoice.PaymentTerms is { } terms) Labelled(flow, "Terms", terms);
        if (invoice.PayTo is { } account)
        {
            Labelled(flow, "Account holder", account.AccountHolder);
            Labelled(flow, "IBAN", Iban(account.Iban));
            if (account.Bic is { } bic) Labelled(flow, "BIC", bic);
        }
        if (invoice.PaymentReference is { } reference) Labelled(flow, "Payment reference", reference);
        flow.Gap(12);
    }

    /// <summary>An IBAN in groups of four, as it is printed for people to type (ISO 13616's paper format).</summary>
    private static string Iban(string iban)
    {
        var compact = string.Concat(iban.Where(c => !char.IsWhiteSpace(c)));
        return string.Join(" ", compact.Chunk(4).Select(group => new string(group)));
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

    /// <summary>
    /// The sources grouped by event type, each group one flowing paragraph in the order the document lists them (a
    /// partner invoice's CDRs in line order): a partner invoice of 300 CDRs names over a thousand events, a line each
    /// would take pages.
    /// </summary>
    private static void WriteSources(PageFlow flow, InvoiceDocument invoice)
    {
        flow.KeepTogether(3 * Heading.GetHeight());
        flow.Row([new Column(0, flow.Width, Left)], ["Derived from events"], Heading);
        foreach (var group in invoice.Sources.GroupBy(s => s.EventType))
            flow.Paragraph($"{group.Key}: {string.Join(", ", group.Select(s => $"{s.StreamId} @ {s.Version}"))}", Small);
    }
}
