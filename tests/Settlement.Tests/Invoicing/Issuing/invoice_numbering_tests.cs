using Settlement.Domain.Deciding;
using Settlement.Projections;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Host;
using Settlement.Host.Invoicing;
using Settlement.Ledger.Store;

namespace Settlement.Tests.Invoicing.Issuing;

[Collection(LedgerCollection.Name)]
public sealed class invoice_numbering_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    [Fact]
    public async Task two_hosts_issuing_at_once_number_gaplessly_and_bill_each_session_once()
    {
        const int sessionCount = 24;
        var (network, firstSession) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", Instant.FromUtc(2026, 10, 12, 6, 0));
        List<string> sessions = [firstSession];
        for (var i = 1; i < sessionCount; i++)
            sessions.Add(await network.ChargeAsync(Instant.FromUtc(2026, 10, 12, 6, 0) + Duration.FromMinutes(50 * i), readings: 2, whPerReading: 1_000));
        await _desk.PricedAsync();
        // A second host: its own store and connection pool on the same database.
        await using var otherLedger = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        var desks = new[] { _desk.Desk, new InvoiceCommands(otherLedger, new StoppedClock(InvoicingDesk.Now)) };

        // Both hosts try to bill every session, all at once.
        var attempts = sessions.SelectMany(session => desks.Select(desk => Attempt(desk, session))).ToList();
        var outcomes = await Task.WhenAll(attempts);

        var issued = outcomes.OfType<InvoiceDocument>().ToList();
        Assert.Equal(sessionCount, issued.Count);
        Assert.Equal(Enumerable.Range(1, sessionCount).Select(n => (long)n), issued.Select(i => i.SequenceNumber).Order());
        Assert.Equal(sessions.Order(), issued.Select(i => i.Lines[0].SessionId!).Order());
        Assert.All(outcomes.OfType<RefusedException>(), refused => Assert.Equal(RefusalKind.Conflict, refused.Kind));
        Assert.Equal(sessionCount, await db.Ledger.StreamVersionAsync(Domain.Events.StreamIds.InvoiceSeries(_desk.IssuerId, InvoiceSeries.Sessions)));
    }

    [Fact]
    public async Task a_batch_is_numbered_consecutively_in_the_order_given()
    {
        var (network, first) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", Instant.FromUtc(2026, 10, 13, 6, 0));
        var second = await network.ChargeAsync(Instant.FromUtc(2026, 10, 13, 9, 0), readings: 2, whPerReading: 1_000);
        await _desk.PricedAsync();

        var issued = await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [second, first], buyer: null);

        Assert.Equal([("INV-000001", second), ("INV-000002", first)], issued.Select(i => (i.Number, i.Lines[0].SessionId!)));
    }

    private async Task<object> Attempt(InvoiceCommands desk, string session)
    {
        await Task.Yield();
        try
        {
            return Assert.Single(await desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));
        }
        catch (RefusedException refused)
        {
            return refused;
        }
    }
}
