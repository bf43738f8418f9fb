using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Monetary;

namespace Settlement.Domain.Receivables;

/// <summary>A payment recorded by hand (a card settlement, cash at the desk, a transfer seen outside a statement).</summary>
public sealed record RecordPayment(
    string IssuerId, string InvoiceNumber, string PaymentId, decimal Amount, string Currency, LocalDate ValueDate, PaymentMethod Method, string? Payer)
    : ICommand<Decision>;

public sealed record RecordRefund(
    string IssuerId, string InvoiceNumber, string RefundId, decimal Amount, string Currency, LocalDate ValueDate, PaymentMethod Method, string? Payee, string Reason)
    : ICommand<Decision>;

/// <param name="Amount">Null writes off everything still open.</param>
public sealed record WriteOffInvoice(string IssuerId, string InvoiceNumber, decimal? Amount, LocalDate EffectiveOn, string Reason) : ICommand<Decision>;

/// <summary>
/// Payments, refunds and write-offs against one invoice, decided on its <see cref="Receivable"/>. Refusals: an unknown
/// invoice (404); a payment or write-off when nothing is open, a refund of more than is owed back, a write-off of more
/// than is open (409); another currency than the invoice's or an amount finer than its minor unit (422). An overpayment
/// is accepted and recorded as such (<see cref="PaymentReceived.Overpayment"/>): the money arrived, and refusing it would
/// leave the books without it; what is owed back is then refunded. A payment or refund whose id was recorded before
/// changes nothing, so a retried request records it once.
/// </summary>
public static class ReceivableDecider
{
    public static Decision Decide(Receivable state, RecordPayment command, Instant now)
    {
        if (Unfit(command.Amount, command.Currency, state, command.IssuerId, command.InvoiceNumber) is { } unfit) return unfit;
        if (state.Recorded(command.PaymentId)) return Decision.Accept();
        if (state.Open <= 0m)
            return Decision.Refuse(RefusalKind.Conflict, $"Invoice {command.InvoiceNumber} is settled: nothing is open on it ({state.Open} {state.Currency}).");
        return Decision.Accept(new PaymentReceived(command.PaymentId, command.IssuerId, command.InvoiceNumber, command.Amount, state.Currency,
            command.ValueDate, command.Method, command.Payer, BankEntryReference: null, StatementId: null, Overpayment(state, command.Amount), now));
    }

    public static Decision Decide(Receivable state, RecordRefund command, Instant now)
    {
        if (Unfit(command.Amount, command.Currency, state, command.IssuerId, command.InvoiceNumber) is { } unfit) return unfit;
        if (state.Recorded(command.RefundId)) return Decision.Accept();
        var owedBack = -state.Open;
        if (command.Amount > owedBack)
            return Decision.Refuse(RefusalKind.Conflict, owedBack <= 0m
                ? $"amount: nothing is owed back on invoice {command.InvoiceNumber}; a refund pays back an overpayment or a credited amount."
                : $"amount: {owedBack} {state.Currency} is owed back on invoice {command.InvoiceNumber}, not {command.Amount}.");
        return Decision.Accept(new RefundPaid(command.RefundId, command.IssuerId, command.InvoiceNumber, command.Amount, state.Currency,
            command.ValueDate, command.Method, command.Payee, command.Reason, now));
    }

    public static Decision Decide(Receivable state, WriteOffInvoice command, Instant now)
    {
        if (!state.Exists) return Unknown(command.IssuerId, command.InvoiceNumber);
        if (state.Open <= 0m)
            return Decision.Refuse(RefusalKind.Conflict, $"Invoice {command.InvoiceNumber} is settled: nothing is open on it to write off.");
        var amount = command.Amount ?? state.Open;
        if (Unfit(amount, state.Currency, state, command.IssuerId, command.InvoiceNumber) is { } unfit) return unfit;
        if (amount > state.Open)
            return Decision.Refuse(RefusalKind.Conflict, $"amount: {state.Open} {state.Currency} is open on invoice {command.InvoiceNumber}, not {amount}.");
        return Decision.Accept(new InvoiceWrittenOff(command.IssuerId, command.InvoiceNumber, amount, state.Currency, command.EffectiveOn, command.Reason, now));
    }

    /// <summary>The part of <paramref name="amount"/> beyond what is open.</summary>
    public static decimal Overpayment(Receivable state, decimal amount) => Math.Max(0m, amount - Math.Max(0m, state.Open));

    /// <summary>Null when the amount fits the invoice; otherwise the refusal naming every problem with it.</summary>
    private static Decision? Unfit(decimal amount, string currency, Receivable state, string issuerId, string number)
    {
        if (!state.Exists) return Unknown(issuerId, number);
        if (amount <= 0m) return Decision.Refuse(RefusalKind.Invalid, $"amount: {amount} is not a positive amount.");
        var problems = new List<string>();
        if (currency != state.Currency) problems.Add($"currency: invoice {state.Number} is in {state.Currency}, not {currency}.");
        if (Currency.TryFromCode(state.Currency, out var known) && decimal.Round(amount, known.MinorUnits) != amount)
            problems.Add($"amount: {amount} has more decimals than {known.Code}'s {known.MinorUnits}.");
        return problems.Count == 0 ? null : Decision.Refuse(RefusalKind.Unprocessable, problems);
    }

    private static Decision Unknown(string issuerId, string number) =>
        Decision.Refuse(RefusalKind.NotFound, $"Issuer {issuerId} has no invoice {number} (credit notes are not receivables).");
}
