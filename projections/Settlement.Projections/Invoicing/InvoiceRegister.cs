using JasperFx.Events;
using Marten.Events.Projections;
using Settlement.Domain.Invoicing;

namespace Settlement.Projections.Invoicing;

/// <summary>
/// An issued invoice or credit note as the finance API serves it: the document exactly as issued, and
/// for an invoice the lines credited so far and the credit notes that did it.
/// </summary>
public sealed record InvoiceEntry(
    string Id,
    InvoiceDocument Document,
    IReadOnlyList<int> CreditedLines,
    IReadOnlyList<string> CreditNotes)
{
    public static string KeyOf(string issuerId, string number) => $"{issuerId}/{number}";

    public IReadOnlyList<int> OpenLines => [.. Document.Lines.Select(l => l.LineNo).Except(CreditedLines)];

    /// <summary>Issue time then issuer and number: the register's stable order, in which lists page through it.</summary>
    public string SortKey => SortKeys.Of(Document.IssuedAt, Id);
}

/// <summary>
/// Inline, so a document can be fetched, and credited, the moment it is issued. Documents are copied
/// from their events untouched, so a rebuild from zero renders them byte for byte as before.
/// </summary>
public sealed partial class InvoiceRegister : MultiStreamProjection<InvoiceEntry, string>
{
    public InvoiceRegister()
    {
        Name = nameof(InvoiceRegister);
        Identity<InvoiceIssued>(e => KeyOf(e.Invoice));
        Identities<CreditNoteIssued>(e =>
            [KeyOf(e.CreditNote), InvoiceEntry.KeyOf(e.CreditNote.IssuerId, e.CreditNote.CreditsInvoice!)]);
    }

    public override InvoiceEntry? Evolve(InvoiceEntry? entry, string key, IEvent e) => e.Data switch
    {
        InvoiceIssued issued => new InvoiceEntry(key, issued.Invoice, [], []),
        CreditNoteIssued { CreditNote: var note } when key == KeyOf(note) => new InvoiceEntry(key, note, [], []),
        CreditNoteIssued { CreditNote: var note } when entry is not null => entry with
        {
            CreditedLines = [.. entry.CreditedLines.Union(note.Lines.Select(l => l.LineNo)).Order()],
            CreditNotes = [.. entry.CreditNotes, note.Number],
        },
        _ => entry,
    };

    private static string KeyOf(InvoiceDocument document) => InvoiceEntry.KeyOf(document.IssuerId, document.Number);
}
