using CsCheck;
using Settlement.Domain.Deciding;
using Settlement.Domain.Receivables;
using static Settlement.Tests.Receivables.Invoices;

namespace Settlement.Tests.Receivables;

public sealed class receivable_property_tests
{
    private static readonly Gen<decimal> Cents = Gen.Int[1, 50_000].Select(c => c / 100m);

    /// <summary>An invoice, then credit notes, payments, refunds and write-offs recorded in any order.</summary>
    private static readonly Gen<(decimal Gross, object[] Movements)> Histories = Gen.Select(
        Cents,
        Gen.Select(Gen.Int[0, 3], Cents, (kind, amount) => (kind, amount)).Array[0, 12],
        (gross, movements) => (gross, movements.Select((m, i) => m.kind switch
        {
            0 => (object)CreditNote($"CN-{i + 1:D6}", "INV-000001", m.amount),
            1 => Paid("INV-000001", m.amount, $"pay-{i}"),
            2 => Refunded("INV-000001", m.amount, $"ref-{i}"),
            _ => WrittenOff("INV-000001", m.amount),
        }).ToArray()));

    [Fact]
    public void the_open_amount_is_gross_less_credit_notes_and_payments_plus_refunds_less_write_offs_in_any_order() =>
        Gen.Select(Histories, Gen.Int).Sample((history, seed) =>
        {
            var shuffled = history.Movements.OrderBy(_ => new Random(seed).Next()).ToArray();
            var receivable = Fold([Invoice("INV-000001", history.Gross), .. shuffled]);
            var expected = history.Gross
                - history.Movements.OfType<Domain.Invoicing.CreditNoteIssued>().Sum(c => -c.CreditNote.TotalGross)
                - history.Movements.OfType<PaymentReceived>().Sum(p => p.Amount)
                + history.Movements.OfType<RefundPaid>().Sum(r => r.Amount)
                - history.Movements.OfType<InvoiceWrittenOff>().Sum(w => w.Amount);
            return receivable.Open == expected && receivable.OpenOn(IssueDate.PlusYears(1)) == expected;
        });

    /// <summary>Credit entries paying some of five invoices, by a reference in any of the places a bank puts one.</summary>
    private static readonly Gen<BankTransaction[]> Transactions = Gen.Select(Gen.Int[1, 6], Cents, Gen.Int[0, 2], Gen.Bool,
        (invoice, amount, place, booked) => (invoice, amount, place, booked)).Array[1, 15].Select(entries => entries.Select((e, i) =>
        {
            var reference = $"INV-{e.invoice:D6}";
            return new BankTransaction(i + 1, $"{CamtFiles.Iban}/E{i}", EntryDirection.Credit, e.amount, "EUR", IssueDate, IssueDate, "Payer",
                e.place == 0 ? [reference] : [], e.place == 1 ? [$"Invoice {reference}"] : [], e.place == 2 ? reference : null, e.booked, Reversal: false);
        }).ToArray());

    [Fact]
    public void importing_the_same_statement_twice_changes_nothing() =>
        Transactions.Sample(transactions =>
        {
            var invoices = Enumerable.Range(1, 5).Select(n => Fold(Invoice($"INV-{n:D6}", 50.00m))).ToDictionary(r => r.PaymentReference!);
            var statement = new BankStatement("STMT-1", CamtFiles.Iban, Camt053.Namespaces[^1], null, null, transactions);
            var first = StatementMatching.Decide(new StatementImport(false, invoices), new ImportBankStatement(Issuer, statement), Now);
            var after = invoices.ToDictionary(p => p.Key, p => first.Events.OfType<PaymentReceived>().Where(e => e.InvoiceNumber == p.Value.Number)
                .Aggregate(p.Value, (state, e) => state.Evolve(e)));

            var again = StatementMatching.Decide(new StatementImport(true, after), new ImportBankStatement(Issuer, statement), Now);
            var sameEntriesElsewhere = StatementMatching.Decide(new StatementImport(false, after), new ImportBankStatement(Issuer, statement with { StatementId = "STMT-2" }), Now);

            var imported = first.Events.OfType<BankStatementImported>().Single();
            var reimported = sameEntriesElsewhere.Events.OfType<BankStatementImported>().Single();
            return again.Refusal?.Kind == RefusalKind.Conflict
                && !sameEntriesElsewhere.Events.OfType<PaymentReceived>().Any()
                && imported.Entries.Zip(reimported.Entries).All(pair => pair.First.Outcome != EntryOutcome.Matched || pair.Second.Outcome == EntryOutcome.Duplicate)
                && imported.MatchedAmount == first.Events.OfType<PaymentReceived>().Sum(p => p.Amount);
        });
}
