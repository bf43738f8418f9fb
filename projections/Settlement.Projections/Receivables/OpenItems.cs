using System.Globalization;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Receivables;

namespace Settlement.Projections.Receivables;

/// <summary>
/// An invoice as a receivable: what is owed on it and every movement since (<see cref="Receivable"/>, the same fold the
/// deciders decide on). <see cref="SettledOn"/> ("yyyy-MM-dd") is the date of the last movement when nothing is open
/// now, null otherwise: from that day on the item is no open item, so lists as of a later date skip it in the database;
/// what was open on an earlier date is told by <see cref="Receivable.OpenOn"/>.
/// </summary>
public sealed record OpenItem(string Id, string IssuerId, string? PartnerId, string? SessionId, string? SettledOn, string SortKey, Receivable Receivable)
{
    public static string KeyOf(string issuerId, string number) => $"{issuerId}/{number}";

    /// <summary>Due date, then issuer and number: the oldest debt first.</summary>
    public static string SortKeyOf(Receivable receivable, string id) =>
        $"{receivable.DueDate.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture)}|{id}";

    public static OpenItem Of(string id, Receivable receivable) =>
        new(id, receivable.IssuerId!, receivable.PartnerId, receivable.SessionId, SettledOnOf(receivable), SortKeyOf(receivable, id), receivable);

    private static string? SettledOnOf(Receivable receivable) => receivable.Open != 0m
        ? null
        : receivable.Movements.Select(m => m.On).Append(receivable.IssueDate).Max().ToString("uuuu-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Inline, so a payment decided on the open item sees every payment committed before it, and an invoice can be paid
/// the moment it is issued. Folded from the invoice, its credit notes and the receivable's own events.
/// </summary>
public sealed partial class OpenItems : MultiStreamProjection<OpenItem, string>
{
    public OpenItems()
    {
        Name = nameof(OpenItems);
        Identity<InvoiceIssued>(e => OpenItem.KeyOf(e.Invoice.IssuerId, e.Invoice.Number));
        Identity<CreditNoteIssued>(e => OpenItem.KeyOf(e.CreditNote.IssuerId, e.CreditNote.CreditsInvoice!));
        Identity<PaymentReceived>(e => OpenItem.KeyOf(e.IssuerId, e.InvoiceNumber));
        Identity<RefundPaid>(e => OpenItem.KeyOf(e.IssuerId, e.InvoiceNumber));
        Identity<InvoiceWrittenOff>(e => OpenItem.KeyOf(e.IssuerId, e.InvoiceNumber));
    }

    public override OpenItem? Evolve(OpenItem? item, string key, IEvent e) => (item, e.Data) switch
    {
        (null, InvoiceIssued issued) when Receivable.IsReceivable(issued.Invoice) => OpenItem.Of(key, Receivable.None.Evolve(issued)),
        (null, _) => null,
        _ => OpenItem.Of(key, item.Receivable.Evolve(e.Data)),
    };
}

/// <summary>The Receivables read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class ReceivablesProjections
{
    public static StoreOptions AddReceivablesProjections(this StoreOptions options)
    {
        options.Projections.Add<OpenItems>(ProjectionLifecycle.Inline);
        // Lists filter by issuer, partner and session and page oldest due first.
        options.Schema.For<OpenItem>().Duplicate(i => i.IssuerId).Duplicate(i => i.PartnerId!).Duplicate(i => i.SessionId!)
            .Duplicate(i => i.SettledOn!).Duplicate(i => i.SortKey);
        return options;
    }
}
