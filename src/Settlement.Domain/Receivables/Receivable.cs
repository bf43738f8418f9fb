using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Domain.Receivables;

public enum MovementKind { CreditNote, Payment, Refund, WriteOff }

/// <summary>
/// A change to what is open on an invoice, dated when it took effect (a credit note's issue date, a payment's or a
/// refund's value date, a write-off's effective date), so what was open on any earlier date can be told.
/// <paramref name="Reduces"/> is positive when it reduces the open amount (a refund is negative: it reopens).
/// </summary>
public sealed record Movement(MovementKind Kind, string Id, LocalDate On, decimal Reduces);

/// <summary>
/// What is owed on one invoice: folded from the invoice, the credit notes that credit it, and the payments, refunds and
/// write-offs recorded against it. <see cref="AmountDue"/> is the gross less what a roaming partner retains as its
/// commission (the invoice says the partner pays the rest). <see cref="Open"/> is negative when more was paid than is
/// owed: a credit owed back to the buyer.
/// </summary>
public sealed record Receivable(
    string? IssuerId,
    string? Number,
    string? PaymentReference,
    string Currency,
    decimal AmountDue,
    LocalDate IssueDate,
    LocalDate DueDate,
    string? SessionId,
    string? PartnerId,
    string? BuyerName,
    IReadOnlyList<Movement> Movements)
{
    public static readonly Receivable None = new(null, null, null, "", 0m, default, default, null, null, null, []);

    public bool Exists => Number is not null;

    public decimal Credited => Sum(MovementKind.CreditNote);
    public decimal Paid => Sum(MovementKind.Payment);
    public decimal Refunded => -Sum(MovementKind.Refund);
    public decimal WrittenOff => Sum(MovementKind.WriteOff);

    /// <summary>Gross (less commission) - credit notes - payments + refunds - write-offs.</summary>
    public decimal Open => AmountDue - Movements.Sum(m => m.Reduces);

    /// <summary>The receivable as it stood at the end of <paramref name="day"/>: the movements dated until then.</summary>
    public Receivable AsOf(LocalDate day) => this with { Movements = [.. Movements.Where(m => m.On <= day)] };

    /// <summary>What was open at the end of <paramref name="day"/>: nothing before the invoice was issued.</summary>
    public decimal OpenOn(LocalDate day) => IssueDate > day ? 0m : AsOf(day).Open;

    public bool Recorded(string movementId) => Movements.Any(m => m.Id == movementId);

    private decimal Sum(MovementKind kind) => Movements.Where(m => m.Kind == kind).Sum(m => m.Reduces);

    /// <summary>The receivable of an invoice: a credit note is none of its own, it reduces the invoice it credits.</summary>
    public static bool IsReceivable(InvoiceDocument document) => document.Kind != InvoiceKind.CreditNote;

    public static decimal AmountDueOf(InvoiceDocument document) => document.TotalGross - (document.CommissionAmount ?? 0m);

    public Receivable Evolve(object @event) => @event switch
    {
        InvoiceIssued { Invoice: var invoice } when IsReceivable(invoice) => this with
        {
            IssuerId = invoice.IssuerId,
            Number = invoice.Number,
            PaymentReference = invoice.PaymentReference ?? invoice.Number,
            Currency = invoice.Currency,
            AmountDue = AmountDueOf(invoice),
            IssueDate = invoice.IssueDate,
            DueDate = invoice.DueDate ?? invoice.IssueDate,
            SessionId = invoice.Kind == InvoiceKind.SessionInvoice ? invoice.Lines.Select(l => l.SessionId).FirstOrDefault(s => s is not null) : null,
            PartnerId = invoice.PartnerId,
            BuyerName = invoice.Buyer.Name,
        },
        // A credit note's amounts are negative; what it credits is what it takes off the invoice's amount due.
        CreditNoteIssued { CreditNote: var note } when note.CreditsInvoice == Number && !Recorded(note.Number) =>
            With(new Movement(MovementKind.CreditNote, note.Number, note.IssueDate, -AmountDueOf(note))),
        PaymentReceived paid => With(new Movement(MovementKind.Payment, paid.PaymentId, paid.ValueDate, paid.Amount)),
        RefundPaid refund => With(new Movement(MovementKind.Refund, refund.RefundId, refund.ValueDate, -refund.Amount)),
        InvoiceWrittenOff off => With(new Movement(MovementKind.WriteOff, $"write-off-{Movements.Count + 1}", off.EffectiveOn, off.Amount)),
        _ => this,
    };

    private Receivable With(Movement movement) => this with { Movements = [.. Movements, movement] };
}
