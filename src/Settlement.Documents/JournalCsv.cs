using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// A period's journal as one CSV row per journal line, in entry order, for import into the general
/// ledger. Debit and credit are separate columns and never negative; the unused side is 0. "date" is the
/// date the entry's period was chosen by (its lines' latest tax point, or the issue date with ?basis=issueDate);
/// "issue_date" the document's.
/// </summary>
public static class JournalCsv
{
    private static readonly string[] Header =
    [
        "date", "document", "kind", "currency", "counterparty", "account", "account_name", "sub_account", "debit", "credit", "issue_date",
    ];

    public static byte[] Render(Journal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return Csv.Render(Header, csv =>
        {
            foreach (var entry in journal.Entries)
            {
                var currency = Currency.FromCode(entry.Currency);
                foreach (var line in entry.Lines)
                {
                    csv.WriteField(DocumentDates.Date(entry.Date));
                    csv.WriteField(entry.DocumentNumber);
                    csv.WriteField(entry.Kind.ToString());
                    csv.WriteField(currency.Code);
                    csv.WriteField(entry.Counterparty);
                    csv.WriteField(line.Account.Number);
                    csv.WriteField(line.Account.Name);
                    csv.WriteField(line.SubAccount);
                    csv.WriteMoney(line.Debit, currency);
                    csv.WriteMoney(line.Credit, currency);
                    csv.WriteField(DocumentDates.Date(entry.IssueDate));
                    csv.EndRecord();
                }
            }
        });
    }
}
