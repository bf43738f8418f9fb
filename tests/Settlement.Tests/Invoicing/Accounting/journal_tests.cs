using System.Text;
using CsCheck;
using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Snapshooter.Xunit;
using static Settlement.Domain.Invoicing.Accounting.ChartOfAccounts;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Accounting;

/// <summary>How issued documents post to the books: one balanced entry each, credit notes on the opposite sides.</summary>
public sealed class journal_tests
{
    private static readonly LocalDate November = new(2026, 11, 1);
    private static readonly LocalDate EndOfDecember = new(2026, 12, 31);

    [Fact]
    public void a_driver_invoice_is_owed_by_the_driver_and_owes_revenue_and_german_vat()
    {
        var entry = Assert.Single(Journal.For([GermanSessionInvoice()], November, EndOfDecember).Entries);

        Assert.Equal(
        [
            new JournalLine(DriverReceivables, null, 17.46m, 0m),
            new JournalLine(ChargingRevenue, null, 0m, 14.67m),
            new JournalLine(VatPayable, "DE", 0m, 2.79m),
        ], entry.Lines);
        Assert.Equal(("SES-000042", "Jana Dvořák", "EUR"), (entry.DocumentNumber, entry.Counterparty, entry.Currency));
    }

    [Fact]
    public void a_partner_invoice_is_owed_by_the_partner_less_the_commission_it_keeps()
    {
        var entry = Assert.Single(Journal.For([PartnerInvoice()], November, EndOfDecember).Entries);

        // No line for AT: reverse charge leaves no VAT to pay there.
        Assert.Equal(
        [
            new JournalLine(PartnerReceivables, "NL-EVP", 124.24m, 0m),
            new JournalLine(ChargingRevenue, null, 0m, 109.00m),
            new JournalLine(VatPayable, "DE", 0m, 15.24m),
            new JournalLine(RoamingCommission, "NL-EVP", 10.90m, 0m),
            new JournalLine(PartnerReceivables, "NL-EVP", 0m, 10.90m),
        ], entry.Lines);
    }

    [Fact]
    public void a_credit_note_posts_its_invoice_on_the_opposite_sides_without_negative_amounts()
    {
        var journal = Journal.For([GermanSessionInvoice(), GermanCreditNote()], November, EndOfDecember, ReportingBasis.IssueDate);

        var (invoice, credit) = (journal.Entries[0], journal.Entries[1]);
        Assert.Equal("CN-000005", credit.DocumentNumber);
        Assert.Equal(invoice.Lines.Select(l => l with { Debit = l.Credit, Credit = l.Debit }), credit.Lines);
    }

    [Fact]
    public void only_documents_issued_in_the_period_are_posted_by_issue_date_then_number()
    {
        var documents = new[] { PartnerInvoice(), GermanCreditNote(), JapaneseSessionInvoice(), GermanSessionInvoice() };

        var journal = Journal.For(documents, November, new LocalDate(2026, 11, 30), ReportingBasis.IssueDate);

        Assert.Equal(["SES-000042", "JP-000007", "CN-000005"], journal.Entries.Select(e => e.DocumentNumber));
    }

    [Fact]
    public void a_document_whose_totals_do_not_add_up_is_refused_rather_than_posted_unbalanced()
    {
        var broken = GermanSessionInvoice() with { TotalGross = 17.47m };

        var refused = Assert.Throws<ArgumentException>(() => Journal.For([broken], November, EndOfDecember));

        Assert.Contains("SES-000042: gross 17.47 is not net 14.67 plus VAT 2.79", refused.Message);
    }

    [Fact]
    public void every_entry_balances_and_so_do_debits_and_credits_per_currency() =>
        DocumentGen.InvoicesAndCreditNotes.Sample(documents =>
        {
            var journal = Journal.For(documents, November, new LocalDate(2027, 12, 31));

            Assert.Equal(documents.Count, journal.Entries.Count);
            Assert.All(journal.Entries, entry => Assert.Equal(entry.TotalDebit, entry.TotalCredit));
            Assert.All(journal.Entries.SelectMany(e => e.Lines), line =>
            {
                Assert.True(line.Debit >= 0m && line.Credit >= 0m, $"{line} has a negative side");
                Assert.True((line.Debit == 0m) != (line.Credit == 0m), $"{line} is not on exactly one side");
            });
            Assert.All(journal.Entries.GroupBy(e => e.Currency), currency =>
                Assert.Equal(currency.Sum(e => e.TotalDebit), currency.Sum(e => e.TotalCredit)));
        });

    [Fact]
    public void an_invoice_and_its_full_credit_note_net_to_zero_on_every_account() =>
        DocumentGen.Invoice.Sample(invoice =>
        {
            var credit = CreditNoteFor(invoice, 1, invoice.IssueDate, "Generated");

            var journal = Journal.For([invoice, credit], invoice.IssueDate, invoice.IssueDate, ReportingBasis.IssueDate);

            var balances = journal.Entries
                .SelectMany(e => e.Lines)
                .GroupBy(l => (l.Account, l.SubAccount))
                .Select(g => (g.Key, Balance: g.Sum(l => l.Debit - l.Credit)));
            Assert.All(balances, account => Assert.Equal(0m, account.Balance));
        });

    [Fact]
    public void the_journal_of_a_period_as_csv() =>
        Snapshot.Match(Encoding.UTF8.GetString(JournalCsv.Render(Journal.For(
            [GermanSessionInvoice(), JapaneseSessionInvoice(), GermanCreditNote(), PartnerInvoice()], November, EndOfDecember))));
}
