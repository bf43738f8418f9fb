using System.Globalization;
using System.Text;
using System.Xml.Linq;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Receivables;
using Settlement.Host.Receivables;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// The bank's side of the month: a camt.053 statement of the demo issuer's account in which most drivers paid their
/// invoice within the terms, a few paid part of it, one transfer names no invoice of ours and one entry is the bank's
/// fee. It is written to the documents folder, read back as any uploaded statement is, and imported, so the open items
/// and the unmatched entries are what finance would see.
/// </summary>
internal static class DemoReceivables
{
    private const string Camt053V8 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
    private const int Paid = 300;

    public static async Task RunAsync(Ledger.Ledger ledger, IReadOnlyList<InvoiceDocument> issued, string documentsFolder, CancellationToken ct)
    {
        var account = issued.Select(i => i.PayTo).OfType<PaymentAccount>().FirstOrDefault();
        var owed = issued
            .Where(i => i.Kind == InvoiceKind.SessionInvoice && i.PayTo?.Iban == account?.Iban && i.DueDate is not null && i.TotalGross > 0m)
            .OrderBy(i => i.SequenceNumber)
            .Take(Paid)
            .ToList();
        if (account is null || owed.Count == 0) return;

        var entries = new List<XElement>();
        for (var index = 0; index < owed.Count; index++)
        {
            var invoice = owed[index];
            // One in ten has not paid yet; one in twenty-five paid half.
            if (index % 10 == 9) continue;
            var amount = index % 25 == 7 ? Math.Round(invoice.TotalGross / 2, 2) : invoice.TotalGross;
            entries.Add(Entry(entries.Count, "CRDT", amount, invoice.Currency, invoice.IssueDate.PlusDays(3 + index % 9),
                invoice.PaymentReference ?? invoice.Number, $"Driver {index + 1:D4}"));
        }
        var lastDay = entries.Count == 0 ? owed[^1].IssueDate : owed.Max(i => i.IssueDate).PlusDays(11);
        entries.Add(Entry(entries.Count, "CRDT", 42.00m, "EUR", lastDay, "Refund of deposit, contract 7781", "Unknown payer"));
        entries.Add(Entry(entries.Count, "DBIT", 9.90m, "EUR", lastDay, "Account fee", null));

        var statementId = $"DEMO-{owed[0].IssueDate:yyyyMMdd}-{lastDay:yyyyMMdd}";
        var xml = Statement(statementId, account, owed[0].IssueDate, lastDay, entries);
        var file = Path.Combine(documentsFolder, "bank-statement.camt053.xml");
        Directory.CreateDirectory(documentsFolder);
        await File.WriteAllBytesAsync(file, xml, ct);

        await using var stream = File.OpenRead(file);
        var (statement, problems) = Camt053.Parse(stream);
        if (statement is null) throw new InvalidOperationException($"The demo's statement does not read: {string.Join("; ", problems)}");
        var decision = await new ImportBankStatementHandler(ledger, SystemClock.Instance).Handle(
            new ImportBankStatement(DemoInvoicing.IssuerId, statement), ct);
        if (decision.Refusal is { } refusal) throw new InvalidOperationException(refusal.Message);
        var imported = decision.Events.OfType<BankStatementImported>().Single();

        var table = new Table().Title($"Bank statement {imported.StatementId} (camt.053.001.08) imported").AddColumns("Entries", "Outcome", "Amount");
        foreach (var outcome in imported.Entries.GroupBy(e => e.Outcome).OrderBy(g => g.Key))
            table.AddRow(outcome.Count().ToString("N0"), outcome.Key.ToString(), $"{outcome.Sum(e => e.Amount):N2} EUR");
        AnsiConsole.Write(table);
        var gross = owed.ToDictionary(i => i.Number, i => i.TotalGross);
        var paidInFull = imported.Entries.Count(e => e.Outcome == EntryOutcome.Matched && e.InvoiceNumber is { } number && gross.GetValueOrDefault(number) == e.Amount);
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]{paidInFull:N0} of the {owed.Count:N0} invoices billed first are paid in full, the rest are open items. Unmatched entries are listed, never guessed: {string.Join("; ", imported.Entries.Where(e => e.Outcome is not (EntryOutcome.Matched or EntryOutcome.Duplicate)).Select(e => $"{e.Amount:N2} {e.Outcome}"))}. Ageing: GET /api/receivables/ageing?by=driver&asOf={lastDay.PlusDays(45):yyyy-MM-dd}[/]");
    }

    private static XElement Entry(int index, string direction, decimal amount, string currency, LocalDate on, string remittance, string? debtor)
    {
        XNamespace ns = Camt053V8;
        return new XElement(ns + "Ntry",
            new XElement(ns + "Amt", new XAttribute("Ccy", currency), Money(amount)),
            new XElement(ns + "CdtDbtInd", direction),
            new XElement(ns + "Sts", new XElement(ns + "Cd", "BOOK")),
            new XElement(ns + "BookgDt", new XElement(ns + "Dt", Date(on))),
            new XElement(ns + "ValDt", new XElement(ns + "Dt", Date(on))),
            new XElement(ns + "AcctSvcrRef", $"2026DEMO{index + 1:D6}"),
            new XElement(ns + "BkTxCd", new XElement(ns + "Domn", new XElement(ns + "Cd", "PMNT"),
                new XElement(ns + "Fmly", new XElement(ns + "Cd", direction == "CRDT" ? "RCDT" : "ICDT"), new XElement(ns + "SubFmlyCd", "ESCT")))),
            new XElement(ns + "NtryDtls", new XElement(ns + "TxDtls",
                new XElement(ns + "Refs", new XElement(ns + "EndToEndId", "NOTPROVIDED")),
                debtor is null ? null : new XElement(ns + "RltdPties", new XElement(ns + "Dbtr", new XElement(ns + "Pty", new XElement(ns + "Nm", debtor)))),
                new XElement(ns + "RmtInf", new XElement(ns + "Ustrd", remittance)))));
    }

    private static byte[] Statement(string id, PaymentAccount account, LocalDate from, LocalDate through, IReadOnlyList<XElement> entries)
    {
        XNamespace ns = Camt053V8;
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(ns + "Document",
                new XElement(ns + "BkToCstmrStmt",
                    new XElement(ns + "GrpHdr", new XElement(ns + "MsgId", $"MSG-{id}"), new XElement(ns + "CreDtTm", $"{Date(through)}T06:00:00+01:00")),
                    new XElement(ns + "Stmt",
                        new XElement(ns + "Id", id),
                        new XElement(ns + "CreDtTm", $"{Date(through)}T06:00:00+01:00"),
                        new XElement(ns + "FrToDt", new XElement(ns + "FrDtTm", $"{Date(from)}T00:00:00+01:00"), new XElement(ns + "ToDtTm", $"{Date(through)}T23:59:59+01:00")),
                        new XElement(ns + "Acct", new XElement(ns + "Id", new XElement(ns + "IBAN", account.Iban)), new XElement(ns + "Ccy", "EUR"),
                            new XElement(ns + "Ownr", new XElement(ns + "Nm", account.AccountHolder))),
                        entries))));
        using var buffer = new MemoryStream();
        using (var writer = System.Xml.XmlWriter.Create(buffer, new System.Xml.XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
            document.Save(writer);
        return buffer.ToArray();
    }

    private static string Date(LocalDate date) => date.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture);

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
