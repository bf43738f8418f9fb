using Marten;
using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Projections.Invoicing;

namespace Settlement.Tests.Invoicing.Issuing;

[Collection(LedgerCollection.Name)]
public sealed class invoice_rebuild_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    [Fact]
    public async Task rebuilding_the_invoice_register_from_zero_renders_every_document_byte_for_byte()
    {
        var october = Instant.FromUtc(2026, 10, 14, 9, 0);
        var (network, first) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", october);
        var second = await network.ChargeAsync(october + Duration.FromHours(3), readings: 5, whPerReading: 3_333);
        var (_, roamed) = await _desk.SessionAtAsync(45.76m, 4.84m, "Europe/Paris", "FR", october, perKwh: 0.47m);
        var partner = await _desk.InvitedPartnerAsync(8.5m, "EUR", roamed);
        await _desk.PricedAsync();
        // The German partner is reverse-charged for the French station, so the CDR carries no VAT.
        await _desk.IssueCdrAsync(partner, roamed, reverseCharged: true);
        var invoices = await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [first, second], buyer: null);
        await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31),
            new InvoiceParty("Roam GmbH", "Berlin", "DE", "DE811111113"));
        await _desk.Desk.IssueCreditNoteAsync(_desk.IssuerId, invoices[1].Number, [1], "Meter reading disputed");
        var before = await RenderedAsync();
        var billedBefore = await BillingsAsync(first, second, roamed);

        await _desk.RebuildAsync(nameof(InvoiceRegister));
        await _desk.RebuildAsync(nameof(SessionBillings));
        var after = await RenderedAsync();

        Assert.Equal(4 * 3, before.Count);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, document => Assert.Equal(document.Value, after[document.Key]));
        // The credit note reversed the second session's only line, so only it may be billed again.
        Assert.Equal([true, false, true], billedBefore.Select(b => b.IsBilled));
        Assert.Equal(billedBefore.Select(b => (b.Id, b.Invoice, b.Kind, string.Join(",", b.OpenLines))),
            (await BillingsAsync(first, second, roamed)).Select(b => (b.Id, b.Invoice, b.Kind, string.Join(",", b.OpenLines))));
    }

    private async Task<IReadOnlyList<SessionBilling>> BillingsAsync(params string[] sessions)
    {
        await using var query = db.Ledger.Store.QuerySession();
        var found = await query.LoadManyAsync<SessionBilling>(sessions);
        return [.. sessions.Select(id => found.Single(b => b.Id == id))];
    }

    private async Task<Dictionary<string, byte[]>> RenderedAsync()
    {
        await using var query = db.Ledger.Store.QuerySession();
        var entries = await query.Query<InvoiceEntry>().Where(e => e.Document.IssuerId == _desk.IssuerId).ToListAsync();
        return entries.SelectMany(e => new[]
        {
            ($"{e.Id}.json", InvoiceJson.Render(e.Document)),
            ($"{e.Id}.csv", InvoiceCsv.Render(e.Document)),
            ($"{e.Id}.pdf", InvoicePdf.Render(e.Document)),
        }).ToDictionary(d => d.Item1, d => d.Item2);
    }
}
