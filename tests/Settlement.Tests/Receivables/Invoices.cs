using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Receivables;

namespace Settlement.Tests.Receivables;

/// <summary>Issued documents and receivable events for decider tests: a driver's one-line invoice and the credit notes of it.</summary>
internal static class Invoices
{
    public const string Issuer = "SET-DE";
    public static readonly Instant Now = Instant.FromUtc(2026, 12, 7, 9, 0);
    public static readonly LocalDate IssueDate = new(2026, 11, 2);

    public static InvoiceIssued Invoice(string number, decimal gross, LocalDate? dueDate = null, string currency = "EUR",
        InvoiceKind kind = InvoiceKind.SessionInvoice, string? partnerId = null, decimal? commission = null) =>
        new(Document(number, kind, gross, currency, creditsInvoice: null, partnerId, commission) with { DueDate = dueDate });

    public static CreditNoteIssued CreditNote(string number, string credits, decimal gross, string currency = "EUR", decimal? commission = null) =>
        new(Document(number, InvoiceKind.CreditNote, -gross, currency, credits, partnerId: null, commission is null ? null : -commission));

    public static PaymentReceived Paid(string number, decimal amount, string id, decimal overpayment = 0m, LocalDate? on = null) =>
        new(id, Issuer, number, amount, "EUR", on ?? IssueDate.PlusDays(3), PaymentMethod.BankTransfer, "M. Muster", null, null, overpayment, Now);

    public static RefundPaid Refunded(string number, decimal amount, string id) =>
        new(id, Issuer, number, amount, "EUR", IssueDate.PlusDays(20), PaymentMethod.BankTransfer, "M. Muster", "Credit note after payment", Now);

    public static InvoiceWrittenOff WrittenOff(string number, decimal amount) =>
        new(Issuer, number, amount, "EUR", IssueDate.PlusDays(120), "Uncollectable", Now);

    public static Receivable Fold(params object[] events) => events.Aggregate(Receivable.None, (state, e) => state.Evolve(e));

    private static InvoiceDocument Document(string number, InvoiceKind kind, decimal gross, string currency, string? creditsInvoice, string? partnerId, decimal? commission)
    {
        var net = decimal.Round(gross / 1.19m, 2);
        var line = new InvoiceLine(1, "Energy", "S-" + number, "DE-MUC", IssueDate.PlusDays(-1), 10m, "kWh", net / 10m, "DE", 19m, VatTreatment.Standard, net, gross - net, gross);
        return new InvoiceDocument(number, Issuer, number[..number.IndexOf('-')], long.Parse(number[(number.IndexOf('-') + 1)..]), kind, IssueDate, Now, currency,
            new InvoiceParty("Settlement Charging GmbH", "Hauptstr. 1", "DE", "DE123456789"), new InvoiceParty("M. Muster", null, null, null),
            partnerId, null, null, creditsInvoice, creditsInvoice is null ? null : "Correction", [line], [new VatBreakdown("DE", 19m, VatTreatment.Standard, net, gross - net)],
            net, gross - net, gross, commission is null ? null : 10m, commission, [], []);
    }
}
