using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Receivables;

/// <summary>A camt.053 statement of the issuer's account, read, to match against the issuer's invoices.</summary>
public sealed record ImportBankStatement(string IssuerId, BankStatement Statement) : ICommand<Decision>;

/// <summary>
/// What an import decides on: whether the statement was imported before, and the issuer's receivables that any
/// reference of the statement names, by payment reference (an invoice's number unless it says otherwise).
/// </summary>
public sealed record StatementImport(bool AlreadyImported, IReadOnlyDictionary<string, Receivable> ByReference);

/// <summary>
/// Matches a statement's credit transfers to invoices by reference, exactly: a reference is a structured creditor
/// reference, a word of the remittance text (split at spaces, commas and semicolons) or the end-to-end id, and it
/// matches an invoice only when it equals the invoice's payment reference character for character. Nothing is guessed
/// from amounts or names: an entry naming no invoice, or two, is listed for finance with the reason.
/// </summary>
public static class StatementMatching
{
    private static readonly char[] WordSeparators = [' ', '\t', '\n', '\r', ',', ';'];

    /// <summary>Every reference an entry could mean, in the order they are read; what the read model is asked for.</summary>
    public static IReadOnlyList<string> CandidateReferences(BankTransaction transaction) =>
    [
        .. transaction.StructuredReferences
            .Concat(transaction.Unstructured.SelectMany(line => line.Split(WordSeparators, StringSplitOptions.RemoveEmptyEntries)))
            .Concat(transaction.EndToEndId is null ? [] : [transaction.EndToEndId])
            .Distinct(StringComparer.Ordinal),
    ];

    public static Decision Decide(StatementImport state, ImportBankStatement command, Instant now)
    {
        var statement = command.Statement;
        if (state.AlreadyImported)
            return Decision.Refuse(RefusalKind.Conflict, $"Stmt/Id: statement '{statement.StatementId}' of {statement.AccountIban} was imported before; a statement is imported once.");
        // Working copies: a second entry for the same invoice sees what the first one paid.
        var byNumber = state.ByReference.Values.Where(r => r.Exists).DistinctBy(r => r.Number).ToDictionary(r => r.Number!, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var payments = new List<object>();
        var entries = new List<StatementEntry>();
        foreach (var transaction in statement.Transactions)
        {
            var (outcome, number, overpayment, why) = Match(transaction, state, byNumber, seen);
            seen.Add(transaction.BankEntryId);
            entries.Add(new StatementEntry(transaction.EntryNo, transaction.BankEntryId, transaction.Direction, transaction.Amount, transaction.Currency,
                transaction.BookingDate, transaction.ValueDate, transaction.Payer, transaction.References, outcome, number, overpayment, why));
            if (outcome != EntryOutcome.Matched) continue;
            var payment = new PaymentReceived(transaction.BankEntryId, command.IssuerId, number!, transaction.Amount, transaction.Currency,
                transaction.ValueDate ?? transaction.BookingDate ?? now.InUtc().Date, PaymentMethod.BankTransfer, transaction.Payer,
                transaction.BankEntryId, statement.StatementId, overpayment, now);
            payments.Add(payment);
            byNumber[number!] = byNumber[number!].Evolve(payment);
        }
        var matched = entries.Where(e => e.Outcome == EntryOutcome.Matched).ToList();
        var duplicates = entries.Count(e => e.Outcome == EntryOutcome.Duplicate);
        return Decision.Accept([.. payments, new BankStatementImported(statement.StatementId, command.IssuerId, statement.AccountIban, statement.MessageNamespace,
            statement.PeriodFrom, statement.PeriodTo, entries.Count, matched.Count, duplicates, entries.Count - matched.Count - duplicates,
            matched.Sum(e => e.Amount), entries, now)]);
    }

    private static (EntryOutcome, string?, decimal, string?) Match(
        BankTransaction transaction, StatementImport state, Dictionary<string, Receivable> byNumber, HashSet<string> seen)
    {
        if (transaction.Reversal) return (EntryOutcome.Reversal, null, 0m, "A reversal of an earlier entry: finance books it against what it reverses.");
        if (transaction.Direction == EntryDirection.Debit) return (EntryOutcome.DebitEntry, null, 0m, "A debit: money leaving the account pays no invoice.");
        if (!transaction.Booked) return (EntryOutcome.NotBooked, null, 0m, "Not booked yet (status other than BOOK): it is matched once a statement books it.");
        var references = CandidateReferences(transaction);
        if (references.Count == 0) return (EntryOutcome.NoReference, null, 0m, "The entry carries no remittance information or end-to-end id.");
        var invoices = references.Where(state.ByReference.ContainsKey).Select(r => state.ByReference[r].Number!).Distinct(StringComparer.Ordinal).ToList();
        if (invoices.Count == 0) return (EntryOutcome.UnknownReference, null, 0m, $"No invoice of the issuer has the payment reference {string.Join(", ", references.Take(5))}.");
        if (invoices.Count > 1) return (EntryOutcome.SeveralReferences, null, 0m, $"The entry names several invoices ({string.Join(", ", invoices)}); which it pays is not guessed.");
        var receivable = byNumber[invoices[0]];
        if (seen.Contains(transaction.BankEntryId) || receivable.Recorded(transaction.BankEntryId))
            return (EntryOutcome.Duplicate, receivable.Number, 0m, $"Bank entry {transaction.BankEntryId} was recorded before.");
        if (transaction.Currency != receivable.Currency)
            return (EntryOutcome.CurrencyDiffers, receivable.Number, 0m, $"Invoice {receivable.Number} is in {receivable.Currency}, the entry in {transaction.Currency}.");
        if (receivable.Open <= 0m)
            return (EntryOutcome.InvoiceAlreadySettled, receivable.Number, 0m, $"Invoice {receivable.Number} is settled; the money is owed back or belongs elsewhere.");
        return (EntryOutcome.Matched, receivable.Number, ReceivableDecider.Overpayment(receivable, transaction.Amount), null);
    }
}
