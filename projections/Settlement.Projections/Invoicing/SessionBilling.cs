using JasperFx.Events;
using Marten.Events.Projections;
using Settlement.Domain.Invoicing;

namespace Settlement.Projections.Invoicing;

/// <summary>
/// Which invoice bills a session, and which of its lines for the session are not credited yet. When a
/// credit note reverses them all, <paramref name="Invoice"/> is null and the session can be billed again.
/// </summary>
public sealed record SessionBilling(string Id, string? Invoice, InvoiceKind? Kind, IReadOnlyList<int> OpenLines)
{
    public bool IsBilled => Invoice is not null;
}

/// <summary>Inline: issuing reads it to refuse billing a session twice, inside the same serialised series.</summary>
public sealed partial class SessionBillings : MultiStreamProjection<SessionBilling, string>
{
    public SessionBillings()
    {
        Name = nameof(SessionBillings);
        Identities<InvoiceIssued>(e => SessionsOf(e.Invoice));
        Identities<CreditNoteIssued>(e => SessionsOf(e.CreditNote));
    }

    public override SessionBilling? Evolve(SessionBilling? billing, string sessionId, IEvent e) => e.Data switch
    {
        InvoiceIssued { Invoice: var invoice } => new SessionBilling(
            sessionId, InvoiceEntry.KeyOf(invoice.IssuerId, invoice.Number), invoice.Kind, LinesOf(invoice, sessionId)),
        CreditNoteIssued { CreditNote: var note } when billing?.Invoice == InvoiceEntry.KeyOf(note.IssuerId, note.CreditsInvoice!) =>
            billing.OpenLines.Except(LinesOf(note, sessionId)).ToList() is { Count: > 0 } open
                ? billing with { OpenLines = open }
                : billing with { Invoice = null, Kind = null, OpenLines = [] },
        _ => billing,
    };

    private static IReadOnlyList<string> SessionsOf(InvoiceDocument document) =>
        [.. document.Lines.Select(l => l.SessionId).OfType<string>().Distinct()];

    private static IReadOnlyList<int> LinesOf(InvoiceDocument document, string sessionId) =>
        [.. document.Lines.Where(l => l.SessionId == sessionId).Select(l => l.LineNo)];
}
