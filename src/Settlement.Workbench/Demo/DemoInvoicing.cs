using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Host.Roaming;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Domain.Deciding;
using System.Diagnostics;
using NodaTime;
using Settlement.Documents;
using Settlement.Documents.EInvoices;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Host;
using Settlement.Host.Invoicing;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// Bills the priced month as a finance team would: an invoice per driver session, one per roaming
/// partner for the month, a credit note, then the period's VAT report and journal, and the documents of
/// one invoice written to disk.
/// </summary>
internal static class DemoInvoicing
{
    public const string IssuerId = "settlement-demo";
    private const int BatchSize = 500;

    public static async Task RunAsync(Ledger.Ledger ledger, DemoOptions options, string documentsFolder, CancellationToken ct)
    {
        var clock = SystemClock.Instance;
        var inputs = new InvoiceInputs(ledger, clock);
        Accepted(await new RegisterIssuerHandler(ledger, clock).Handle(
            new RegisterIssuer(IssuerId, "Settlement Demo Charging GmbH", "Leopoldstraße 1, 80802 München, Germany", "DE",
                // Fictitious ids of the right format: an invoice carries the registration of the country it is supplied in.
                [new VatRegistration("DE", "DE300000002"), new VatRegistration("FR", "FR68300000002"), new VatRegistration("US", "CO-300000002-0001")],
                PaymentTermsDays: 14, BankAccount: new PaymentAccount("DE89370400440532013000", "COBADEFFXXX", "Settlement Demo Charging GmbH")), ct));

        // The engine never invents a US rate: the operator states the Denver site's, level by level, before billing it.
        Accepted(await new DefineSiteSalesTaxHandler(ledger, inputs, clock).Handle(DenverSalesTax(options.From), ct));

        var driverSessions = await inputs.DriverSessionsToBillAsync(ct);
        var sessionInvoices = new IssueSessionInvoicesHandler(ledger, inputs, clock);

        var issuing = Stopwatch.StartNew();
        var issued = new List<InvoiceDocument>();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Issuing driver invoices", maxValue: Math.Max(driverSessions.Count, 1));
                foreach (var batch in driverSessions.Chunk(BatchSize))
                {
                    issued.AddRange(Issued(await sessionInvoices.Handle(new IssueSessionInvoices(IssuerId, batch, Buyer: null), ct)));
                    task.Increment(batch.Length);
                }
            });
        var through = options.From.PlusDays(options.Days - 1);
        // Partners are billed their CDRs: each roaming session's, issued from its priced events as a host would.
        var cdrIssuer = new CdrIssuer(ledger, new OcpiOptions(), clock, NullLogger<CdrIssuer>.Instance);
        var cdrs = 0;
        for (int issuedNow; (issuedNow = await cdrIssuer.IssueDueAsync(ct)) > 0;) cdrs += issuedNow;
        AnsiConsole.MarkupLineInterpolated($"Issued [bold]{cdrs:N0}[/] CDRs for the roaming partners' sessions");
        foreach (var partner in DemoFleet.Partners)
        {
            // A VAT id makes the partner a taxable person, so sessions abroad are reverse-charged to it.
            var buyer = new InvoiceParty(partner.Name, $"{partner.Name} headquarters", partner.CountryCode, partner.VatId);
            var decision = await new IssuePartnerInvoicesHandler(ledger, inputs, clock).Handle(
                new IssuePartnerInvoices(IssuerId, partner.PartnerId, options.From, through, buyer), ct);
            if (decision.Refusal is { Kind: RefusalKind.Conflict } nothingToBill)
                AnsiConsole.MarkupLineInterpolated($"[grey]{partner.Name}: {nothingToBill.Message}[/]");
            else
                issued.AddRange(Issued(decision));
        }
        if (issued.FirstOrDefault(i => i.Kind == InvoiceKind.SessionInvoice) is { } credited)
            issued.AddRange(Issued(await new IssueCreditNoteHandler(ledger, inputs, clock).Handle(
                new IssueCreditNote(IssuerId, credited.Number, [1], "Goodwill: the charger throttled the session"), ct)));
        issuing.Stop();

        // The books of the supplies billed: by tax point, from the first to the last (credit notes report with what they correct).
        var today = clock.GetCurrentInstant().InUtc().Date;
        var taxPoints = issued.SelectMany(i => i.Lines).Select(l => l.TaxPointOrSupplyDate()).ToList();
        var from = taxPoints.Count == 0 ? today : taxPoints.Min();
        var until = taxPoints.Count == 0 ? today : taxPoints.Max();
        PrintIssued(issued, issuing.Elapsed);
        var vat = VatReport.For(issued, from, until);
        PrintVatReport(vat);
        var journal = Journal.For(issued, from, until);
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]Journal {from:yyyy-MM-dd} to {until:yyyy-MM-dd} by tax point: {journal.Entries.Count:N0} balanced entries, {string.Join(", ", journal.Entries.GroupBy(e => e.Currency).Select(g => $"{g.Sum(e => e.TotalDebit):N2} {g.Key} debit = credit"))}.[/]");
        WriteDocuments(documentsFolder, issued, journal, vat);
        await DemoReceivables.RunAsync(ledger, issued, documentsFolder, ct);
    }

    /// <summary>Denver's combined 8.81 %: the state, the city and county of Denver, and two special districts.</summary>
    private static DefineSiteSalesTax DenverSalesTax(LocalDate from) => new("US-DEN",
        [
            new(TaxLevel.State, "Colorado", 2.9m),
            new(TaxLevel.City, "Denver", 4.81m),
            new(TaxLevel.SpecialDistrict, "Regional Transportation District (RTD)", 1m),
            new(TaxLevel.SpecialDistrict, "Scientific and Cultural Facilities District (SCFD)", 0.1m),
        ],
        from, ValidThrough: null, "Colorado Department of Revenue, sales tax rate lookup for 101 W Colfax Ave, Denver (demo)");

    /// <summary>A refusal here means the demo's own data is wrong.</summary>
    private static Decision Accepted(Decision decision) =>
        decision.Refusal is { } refusal ? throw new InvalidOperationException(refusal.Message) : decision;

    private static IReadOnlyList<InvoiceDocument> Issued(Decision decision) => InvoiceIssuing.DocumentsOf(Accepted(decision));

    private static void PrintIssued(IReadOnlyList<InvoiceDocument> issued, TimeSpan elapsed)
    {
        var table = new Table().Title("Issued documents").AddColumns("To", "Series", "Numbers", "Count", "Net", "VAT", "Gross");
        foreach (var group in issued.GroupBy(i => (i.Kind, i.Series, i.Currency)).OrderBy(g => g.Key.Series).ThenBy(g => g.Key.Currency))
            table.AddRow(group.Key.Kind switch { InvoiceKind.SessionInvoice => "Driver", InvoiceKind.PartnerInvoice => "Partner", _ => "Credit" }, group.Key.Series, $"{group.First().SequenceNumber}–{group.Last().SequenceNumber}", group.Count().ToString("N0"),
                $"{group.Sum(i => i.TotalNet):N2} {group.Key.Currency}", $"{group.Sum(i => i.TotalVat):N2}", $"{group.Sum(i => i.TotalGross):N2}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]Issued {issued.Count:N0} documents in {elapsed.TotalSeconds:F1} s ({issued.Count / Math.Max(elapsed.TotalSeconds, 0.001):N0}/s), gapless per series.[/]");
    }

    private static void PrintVatReport(VatReport report)
    {
        var table = new Table().Title("VAT and US sales tax by jurisdiction (place of supply: the station)")
            .AddColumns("Jurisdiction", "Rate", "Treatment", "Taxable net", "VAT", "Invoices", "Credit notes");
        foreach (var row in report.Rows)
            table.AddRow(row.Authority is { } authority ? $"{row.Jurisdiction} {authority} ({row.Level})" : row.Jurisdiction, $"{row.VatPercent}%", row.Treatment.ToString(), $"{row.TaxableNet:N2} {row.Currency}", $"{row.Vat:N2}",
                row.Invoices.ToString("N0"), row.CreditNotes.ToString("N0"));
        AnsiConsole.Write(table);
    }

    private static void WriteDocuments(string folder, IReadOnlyList<InvoiceDocument> issued, Journal journal, VatReport report)
    {
        Directory.CreateDirectory(folder);
        // A European partner invoice, so the example also has its EN 16931 e-invoices (a US one is not a VAT invoice).
        var example = issued.FirstOrDefault(i => i.Kind == InvoiceKind.PartnerInvoice && En16931Invoice.Refusal(i) is null)
                      ?? issued.FirstOrDefault(i => i.Kind == InvoiceKind.PartnerInvoice) ?? issued.FirstOrDefault();
        if (example is not null)
        {
            File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.json"), InvoiceJson.Render(example));
            File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.pdf"), InvoicePdf.Render(example));
            File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.csv"), InvoiceCsv.Render(example));
            if (En16931Invoice.Refusal(example) is null)
            {
                File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.ubl.xml"), UblInvoice.Render(example));
                File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.cii.xml"), CiiInvoice.Render(example));
                File.WriteAllBytes(Path.Combine(folder, $"{example.Number}.factur-x.pdf"), FacturXPdf.Render(example));
            }
        }
        File.WriteAllBytes(Path.Combine(folder, "journal.csv"), JournalCsv.Render(journal));
        File.WriteAllBytes(Path.Combine(folder, "vat-report.csv"), VatReportCsv.Render(report));
        File.WriteAllBytes(Path.Combine(folder, "vat-report.json"), VatReportJson.Render(report));
        AnsiConsole.MarkupLineInterpolated(
            $"Documents of {example?.Number ?? "no invoice"} (JSON, PDF, CSV, and as EN 16931 e-invoices: UBL, CII, Factur-X), the journal and the VAT report: [bold]{folder}[/]\nAny other: GET /api/invoices/{IssuerId}/{{number}}?format=pdf|ubl|cii|facturx");
    }
}
