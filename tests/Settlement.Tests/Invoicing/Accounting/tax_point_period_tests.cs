using CsCheck;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;

namespace Settlement.Tests.Invoicing.Accounting;

/// <summary>
/// By tax point, a document whose supplies span several months is split between their periods line by line: the
/// months' reports and journals add up to the document exactly, and each month's entries balance.
/// </summary>
public sealed class tax_point_period_tests
{
    private static readonly LocalDate[] Months = [.. Enumerable.Range(0, 6).Select(i => new LocalDate(2026, 8, 1).PlusMonths(i))];

    /// <summary>Generated documents whose lines were supplied up to 70 days before the issue date, each with its own tax point.</summary>
    private static readonly Gen<InvoiceDocument> SpanningMonths = Gen.Select(DocumentGen.Invoice, Gen.Int[0, 70].Array[6], (invoice, daysBefore) =>
        invoice with
        {
            Lines = [.. invoice.Lines.Select((line, i) => line with
            {
                SupplyDate = invoice.IssueDate.PlusDays(-daysBefore[i]), TaxPoint = invoice.IssueDate.PlusDays(-daysBefore[i]),
            })],
        });

    [Fact]
    public void the_months_of_a_document_spanning_several_add_up_to_it_and_each_balances() =>
        SpanningMonths.Sample(document =>
        {
            var reports = Months.Select(m => VatReport.For([document], m, m.PlusMonths(1).PlusDays(-1))).ToList();
            var journals = Months.Select(m => Journal.For([document], m, m.PlusMonths(1).PlusDays(-1))).ToList();

            Assert.All(document.Vat.GroupBy(v => v.Jurisdiction), jurisdiction =>
                Assert.Equal((jurisdiction.Sum(v => v.NetAmount), jurisdiction.Sum(v => v.VatAmount)),
                    (reports.SelectMany(r => r.Rows).Where(r => r.Jurisdiction == jurisdiction.Key).Sum(r => r.TaxableNet),
                     reports.SelectMany(r => r.Rows).Where(r => r.Jurisdiction == jurisdiction.Key).Sum(r => r.Vat))));
            var entries = journals.SelectMany(j => j.Entries).ToList();
            Assert.All(entries, entry => Assert.Equal(entry.TotalDebit, entry.TotalCredit));
            // What the buyer owes, the gross less the commission its partner keeps, posted once over the months.
            Assert.Equal(document.TotalGross - (document.CommissionAmount ?? 0m),
                entries.SelectMany(e => e.Lines).Where(l => l.Account == ChartOfAccounts.DriverReceivables || l.Account == ChartOfAccounts.PartnerReceivables)
                    .Sum(l => l.Debit - l.Credit));
            Assert.Equal(document.CommissionAmount is null or 0m ? 0 : 1, entries.Count(e => e.Lines.Any(l => l.Account == ChartOfAccounts.RoamingCommission)));
        });

    [Fact]
    public void by_issue_date_a_document_is_taken_whole_in_the_period_it_was_issued_in() =>
        SpanningMonths.Sample(document =>
        {
            var month = new LocalDate(document.IssueDate.Year, document.IssueDate.Month, 1);

            var journal = Journal.For([document], month, month.PlusMonths(1).PlusDays(-1), ReportingBasis.IssueDate);

            var entry = Assert.Single(journal.Entries);
            Assert.Equal((document.IssueDate, document.IssueDate), (entry.Date, entry.IssueDate));
        });
}
