using Settlement.Domain.Roaming;
using CsvHelper;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// An issued invoice or credit note as one CSV row per line, for spreadsheets and bookkeeping imports.
/// Each row repeats the document's number, kind, date, currency, due date and payment reference, and names the
/// events it was derived from, so a row still says where it belongs once it is copied elsewhere. A line's session
/// (EVSE, local start and end, zone, kWh) is empty in documents issued before lines recorded it.
/// </summary>
public static class InvoiceCsv
{
    private static readonly string[] Header =
    [
        "invoice_number", "kind", "issue_date", "currency", "credits_invoice",
        "line_no", "description", "session_id", "site_id", "supply_date", "quantity", "unit", "unit_price",
        "jurisdiction", "vat_percent", "treatment", "net_amount", "vat_amount", "gross_amount", "derived_from",
        // Added by issue 26, after the columns importers already read by position.
        "tax_point", "tax_kind", "evse_id", "local_start", "local_end", "time_zone", "energy_kwh", "due_date", "payment_reference",
    ];

    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var currency = Currency.FromCode(invoice.Currency);
        return Csv.Render(Header, csv =>
        {
            foreach (var line in invoice.Lines)
            {
                csv.WriteField(invoice.Number);
                csv.WriteField(invoice.Kind.ToString());
                csv.WriteField(DocumentDates.Date(invoice.IssueDate));
                csv.WriteField(currency.Code);
                csv.WriteField(invoice.CreditsInvoice);
                csv.WriteField(line.LineNo, "");
                csv.WriteField(line.Description);
                csv.WriteField(line.SessionId);
                csv.WriteField(line.SiteId);
                csv.WriteField(DocumentDates.Date(line.SupplyDate));
                csv.WritePlain(line.Quantity);
                csv.WriteField(line.Unit);
                csv.WriteField(line.UnitPrice, DocumentNumbers.UnitPriceFormat(currency));
                csv.WriteField(line.Jurisdiction);
                csv.WritePlain(line.VatPercent);
                csv.WriteField(line.Treatment.ToString());
                csv.WriteMoney(line.NetAmount, currency);
                csv.WriteMoney(line.VatAmount, currency);
                csv.WriteMoney(line.GrossAmount, currency);
                csv.WriteField(DerivedFrom(invoice, line));
                csv.WriteField(DocumentDates.Date(line.TaxPointOrSupplyDate()));
                csv.WriteField(line.TaxKind.ToString());
                csv.WriteField(line.EvseId);
                csv.WriteField(line.LocalStart is { } start ? DocumentDates.LocalDateTime(start) : null);
                csv.WriteField(line.LocalEnd is { } end ? DocumentDates.LocalDateTime(end) : null);
                csv.WriteField(line.TimeZone);
                if (line.EnergyKwh is { } kwh) csv.WritePlain(kwh); else csv.WriteField((string?)null);
                csv.WriteField(invoice.DueDate is { } due ? DocumentDates.Date(due) : null);
                csv.WriteField(invoice.PaymentReference);
                csv.EndRecord();
            }
            if (invoice.CommissionAmount is { } commission && invoice.CommissionPercent is { } percent)
                WriteCommission(csv, invoice, currency, percent, commission);
        });
    }

    /// <summary>
    /// A partner document's commission as a last row without a line number or amounts, so summing the amount columns
    /// still gives the document's totals: the same statement as its notes and PDF.
    /// </summary>
    private static void WriteCommission(CsvWriter csv, InvoiceDocument invoice, Currency currency, decimal percent, decimal commission)
    {
        csv.WriteField(invoice.Number);
        csv.WriteField(invoice.Kind.ToString());
        csv.WriteField(DocumentDates.Date(invoice.IssueDate));
        csv.WriteField(currency.Code);
        csv.WriteField(invoice.CreditsInvoice);
        csv.WriteField((string?)null);
        csv.WriteField(InvoiceDrafting.CommissionStatement(percent, commission, invoice.TotalGross - commission, currency));
        for (var column = 7; column < Header.Length; column++) csv.WriteField((string?)null);
        csv.EndRecord();
    }

    /// <summary>
    /// The document's sources less those that belong only to its other lines (their CDRs, sessions, sites and
    /// tax rates): a partner invoice of thousands of sessions would otherwise repeat every session on every row.
    /// </summary>
    private static string DerivedFrom(InvoiceDocument invoice, InvoiceLine line)
    {
        var cdrs = InvoiceDrafting.CdrsBilledBy(invoice).ToDictionary(b => b.LineNo, b => Cdrs.Stream(b.CdrId));
        var own = StreamsOf(line, cdrs).ToHashSet();
        var others = invoice.Lines.Where(l => l != line).SelectMany(l => StreamsOf(l, cdrs)).Where(s => !own.Contains(s)).ToHashSet();
        return string.Join("; ", invoice.Sources
            .Where(s => !others.Contains(s.StreamId))
            .Select(s => $"{s.StreamId}@{s.Version} {s.EventType}"));
    }

    private static IEnumerable<string> StreamsOf(InvoiceLine line, IReadOnlyDictionary<int, string> cdrStreams)
    {
        if (cdrStreams.TryGetValue(line.LineNo, out var cdr)) yield return cdr;
        if (line.SessionId is { } session) yield return StreamIds.Session(session);
        if (line.SiteId is { } site) yield return StreamIds.Site(site);
        yield return StreamIds.TaxRates(line.Jurisdiction);
    }
}
