using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Receivables;

public enum PaymentMethod { BankTransfer, DirectDebit, Card, Cash, Other }

/// <summary>
/// Money received against an invoice, in its currency. <paramref name="PaymentId"/> is the caller's for a payment
/// recorded by hand, and derived from the bank's entry reference for one read from a statement, so the same bank entry
/// is recorded once however many statements list it. <paramref name="Overpayment"/> is the part that exceeded the
/// open amount when it was recorded: kept on the invoice as a credit owed back to the payer, never dropped.
/// </summary>
public sealed record PaymentReceived(
    [property: MinLength(1)] string PaymentId,
    [property: MinLength(1)] string IssuerId,
    [property: MinLength(1)] string InvoiceNumber,
    [property: Range(0.0001, 1_000_000_000.0)] decimal Amount,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    LocalDate ValueDate,
    PaymentMethod Method,
    string? Payer,
    string? BankEntryReference,
    string? StatementId,
    [property: Range(0.0, 1_000_000_000.0)] decimal Overpayment,
    Instant RecordedAt);

/// <summary>Money paid back to the buyer of an invoice: an overpayment, or what a credit note credited after it was paid.</summary>
public sealed record RefundPaid(
    [property: MinLength(1)] string RefundId,
    [property: MinLength(1)] string IssuerId,
    [property: MinLength(1)] string InvoiceNumber,
    [property: Range(0.0001, 1_000_000_000.0)] decimal Amount,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    LocalDate ValueDate,
    PaymentMethod Method,
    string? Payee,
    [property: MinLength(1)] string Reason,
    Instant RecordedAt);

/// <summary>What is left open of an invoice, or part of it, given up as not collectable: it leaves the open items, not the books.</summary>
public sealed record InvoiceWrittenOff(
    [property: MinLength(1)] string IssuerId,
    [property: MinLength(1)] string InvoiceNumber,
    [property: Range(0.0001, 1_000_000_000.0)] decimal Amount,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    LocalDate EffectiveOn,
    [property: MinLength(1)] string Reason,
    Instant WrittenOffAt);

public enum EntryDirection { Credit, Debit }

/// <summary>
/// What became of one transaction of a statement. Matched: recorded as a payment (an overpaying one says so in
/// <see cref="StatementEntry.Overpayment"/>). Duplicate: recorded before, from this or another statement. Every other
/// outcome is an entry left for finance, with the reason it was not matched; none is ever guessed.
/// </summary>
public enum EntryOutcome
{
    Matched,
    Duplicate,
    UnknownReference,
    NoReference,
    SeveralReferences,
    CurrencyDiffers,
    DebitEntry,
    Reversal,
    NotBooked,
    InvoiceAlreadySettled,
}

/// <summary>
/// One transaction of a statement as read and as matched. <paramref name="BankEntryId"/> is the deterministic id of the
/// bank's entry (its account servicer reference, or a digest of its content when the bank gives none).
/// <paramref name="References"/> are the candidates read from it (structured creditor reference, unstructured
/// remittance text, end-to-end id), in that order.
/// </summary>
public sealed record StatementEntry(
    int EntryNo,
    [property: MinLength(1)] string BankEntryId,
    EntryDirection Direction,
    decimal Amount,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    LocalDate? BookingDate,
    LocalDate? ValueDate,
    string? Payer,
    IReadOnlyList<string> References,
    EntryOutcome Outcome,
    string? InvoiceNumber,
    decimal Overpayment,
    string? Why);

/// <summary>
/// A camt.053 statement imported for an issuer's account, once (its stream is new or the import is refused), with every
/// transaction and what became of it; the payments it matched are recorded in the same transaction.
/// </summary>
public sealed record BankStatementImported(
    [property: MinLength(1)] string StatementId,
    [property: MinLength(1)] string IssuerId,
    [property: RegularExpression("^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")] string AccountIban,
    [property: MinLength(1)] string MessageNamespace,
    Instant? PeriodFrom,
    Instant? PeriodTo,
    int EntryCount,
    int MatchedCount,
    int DuplicateCount,
    int UnmatchedCount,
    decimal MatchedAmount,
    IReadOnlyList<StatementEntry> Entries,
    Instant ImportedAt);
