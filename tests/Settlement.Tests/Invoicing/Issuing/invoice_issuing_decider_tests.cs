using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Tests.Invoicing.Drafting;
using Xunit;
using static Settlement.Domain.Invoicing.InvoiceIssuing;

namespace Settlement.Tests.Invoicing.Issuing;

/// <summary>
/// What may be issued and under which number, decided without a database. Issuing decides on read-model state
/// (issuer, priced sessions, billing) at the series' version: the history given is that state as read.
/// </summary>
public sealed class invoice_issuing_decider_tests
{
    private static readonly Instant Now = Drafts.IssuedAt;

    private static readonly InvoiceIssuer Issuer = Drafts.Issuer(Now - Duration.FromDays(30));

    private static readonly InvoicedSession Berlin = Drafts.Session("S-BER", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.50m, 0m, 0m),
        "Europe/Berlin", new LocalDateTime(2026, 10, 12, 8, 0), 1, 11m), "DE", 19m);

    private static readonly InvoicedSession Paris = Drafts.Session("S-PAR", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.40m, 0m, 0m),
        "Europe/Paris", new LocalDateTime(2026, 10, 14, 8, 0), 2, 7m), "FR", 20m);

    private static DeciderSpec<TState, TCommand> AsRead<TState, TCommand>(TState initial, Func<TState, TCommand, Instant, Decision> decide)
        where TState : class =>
        new(initial, (state, read) => read as TState ?? state, (state, command) => decide(state, command, Now));

    private static readonly DeciderSpec<SessionInvoicing, IssueSessionInvoices> Sessions =
        AsRead<SessionInvoicing, IssueSessionInvoices>(new(null, 0, [], null, [], []), Decide);

    private static readonly DeciderSpec<CreditNoting, IssueCreditNote> CreditNotes =
        AsRead<CreditNoting, IssueCreditNote>(new(null, 0, null), Decide);

    private static IssueSessionInvoices BillDrivers(params string[] sessionIds) => new("cpo", sessionIds, Buyer: null);

    [Fact]
    public void session_invoices_are_numbered_after_the_series_in_the_order_given()
    {
        var decision = Sessions.Given(new SessionInvoicing(Issuer, 3, [Paris, Berlin], null, [], []))
            .When(BillDrivers("S-PAR", "S-BER")).Decision;

        Assert.Null(decision.Refusal);
        Assert.All(decision.Events, e => Assert.IsType<InvoiceIssued>(e));
        var documents = DocumentsOf(decision);
        Assert.Equal([("INV-000004", "S-PAR"), ("INV-000005", "S-BER")], documents.Select(d => (d.Number, d.Lines[0].SessionId!)));
        Assert.All(documents, d => Assert.Equal("Ad-hoc customer", d.Buyer.Name));
        Assert.Equal(InvoiceDrafting.ForSession(Drafts.Header(4), Paris).TotalGross, documents[0].TotalGross);
    }

    [Fact]
    public void no_sessions_issue_nothing() =>
        Sessions.Given().When(BillDrivers()).Then();

    [Fact]
    public void a_session_listed_twice_is_refused_before_anything_else() =>
        Sessions.Given().When(BillDrivers("S-BER", "S-BER")).ThenRefused(RefusalKind.Unprocessable, "A session is listed twice.");

    [Fact]
    public void an_unregistered_issuer_issues_nothing() =>
        Sessions.Given(new SessionInvoicing(null, 0, [Berlin], null, [], [])).When(BillDrivers("S-BER"))
            .ThenRefused(RefusalKind.NotFound, "No invoice issuer 'cpo' is registered", "POST /api/issuers");

    [Fact]
    public void sessions_not_ready_to_invoice_refuse_the_whole_batch() =>
        Sessions.Given(new SessionInvoicing(Issuer, 0, [], new Refusal(RefusalKind.Conflict, ["Session S-RUN is still running; it is invoiced once it has stopped."]), [], []))
            .When(BillDrivers("S-BER", "S-RUN")).ThenRefused(RefusalKind.Conflict, "Session S-RUN is still running");

    [Fact]
    public void a_roaming_partners_session_is_billed_to_the_partner_not_the_driver() =>
        Sessions.Given(new SessionInvoicing(Issuer, 0, [Berlin], null, [new RoamedSessionOf("S-BER", "EMSP-1")], []))
            .When(BillDrivers("S-BER")).ThenRefused(RefusalKind.Conflict, "roaming partner EMSP-1", "billed to the partner, not the driver");

    [Fact]
    public void a_billed_session_is_billed_again_only_after_its_invoice_is_credited() =>
        Sessions.Given(new SessionInvoicing(Issuer, 1, [Berlin], null, [], [new BilledSession("S-BER", "INV-000001")]))
            .When(BillDrivers("S-BER")).ThenRefused(RefusalKind.Conflict, "Session S-BER is billed already by INV-000001", "credit that invoice first");

    private static readonly InvoiceDocument TwoLineInvoice = InvoiceDrafting.ForSession(Drafts.Header(1),
        Drafts.Session("S-FEE", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.50m, 1.20m, 1.00m), "Europe/Berlin", new LocalDateTime(2026, 10, 12, 8, 0), 2, 11m), "DE", 19m));

    private static IssueCreditNote Credit(IReadOnlyList<int>? lines, string reason = "Goodwill") => new("cpo", TwoLineInvoice.Number, lines, reason);

    [Fact]
    public void a_credit_note_credits_every_open_line_when_none_is_named()
    {
        Assert.True(TwoLineInvoice.Lines.Count >= 2);
        var decision = CreditNotes.Given(new CreditNoting(Issuer, 4, new CreditableDocument(TwoLineInvoice, [1], ["CN-000001"])))
            .When(Credit(null)).Decision;

        Assert.Null(decision.Refusal);
        var note = Assert.IsType<CreditNoteIssued>(Assert.Single(decision.Events)).CreditNote;
        Assert.Equal(("CN-000005", InvoiceKind.CreditNote, TwoLineInvoice.Number), (note.Number, note.Kind, note.CreditsInvoice));
        Assert.Equal(TwoLineInvoice.Lines.Count - 1, note.Lines.Count);
        Assert.Equal(TwoLineInvoice.Buyer, note.Buyer);
    }

    [Fact]
    public void a_credit_note_needs_a_reason() =>
        CreditNotes.Given(new CreditNoting(Issuer, 0, new CreditableDocument(TwoLineInvoice, [], []))).When(Credit(null, " "))
            .ThenRefused(RefusalKind.Unprocessable, "A credit note needs a reason.");

    [Fact]
    public void an_unknown_document_is_not_credited() =>
        CreditNotes.Given(new CreditNoting(Issuer, 0, null)).When(Credit(null))
            .ThenRefused(RefusalKind.NotFound, $"Issuer cpo has no document {TwoLineInvoice.Number}.");

    [Fact]
    public void a_credit_note_is_not_credited()
    {
        var note = InvoiceDrafting.CreditNote(Drafts.Header(1, series: "CN"), TwoLineInvoice, [1], "Goodwill");
        CreditNotes.Given(new CreditNoting(Issuer, 1, new CreditableDocument(note, [], []))).When(new IssueCreditNote("cpo", note.Number, null, "again"))
            .ThenRefused(RefusalKind.Unprocessable, "is a credit note; only invoices are credited.");
    }

    [Fact]
    public void a_fully_credited_invoice_has_nothing_left_to_credit() =>
        CreditNotes.Given(new CreditNoting(Issuer, 1, new CreditableDocument(TwoLineInvoice, [.. TwoLineInvoice.Lines.Select(l => l.LineNo)], ["CN-000001"])))
            .When(Credit(null)).ThenRefused(RefusalKind.Conflict, $"Every line of {TwoLineInvoice.Number} is credited already (by CN-000001).");

    [Fact]
    public void a_line_the_invoice_does_not_have_is_refused() =>
        CreditNotes.Given(new CreditNoting(Issuer, 0, new CreditableDocument(TwoLineInvoice, [], []))).When(Credit([99]))
            .ThenRefused(RefusalKind.Unprocessable, "there is no line 99");

    [Fact]
    public void a_line_is_credited_at_most_once() =>
        CreditNotes.Given(new CreditNoting(Issuer, 1, new CreditableDocument(TwoLineInvoice, [1], ["CN-000001"]))).When(Credit([1]))
            .ThenRefused(RefusalKind.Conflict, "Line 1 of", "is credited already (by CN-000001)");
}
