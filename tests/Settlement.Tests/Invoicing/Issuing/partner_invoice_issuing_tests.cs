using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Roaming;

namespace Settlement.Tests.Invoicing.Issuing;

/// <summary>A partner's invoice of its CDRs, issued through the handlers on the shared ledger.</summary>
[Collection(LedgerCollection.Name)]
public sealed class partner_invoice_issuing_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly LocalDate From = new(2026, 10, 1), Through = new(2026, 10, 31);
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    [Fact]
    public async Task sessions_under_two_agreements_are_two_invoices_and_a_session_without_a_cdr_is_named_not_billed()
    {
        var (network, early) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        var late = await network.ChargeAsync(October + Duration.FromDays(10), readings: 4, whPerReading: 5_000);
        var pending = await network.ChargeAsync(October + Duration.FromDays(11), readings: 4, whPerReading: 5_000);
        var partner = await _desk.InvitedPartnerAsync(10m, "EUR", early, late, pending);
        await _desk.ChangeAgreementAsync(partner, new RoamingAgreement(15m, "EUR", SettlementPeriod.Monthly), new LocalDate(2026, 10, 20));
        await _desk.PricedAsync();
        var earlyCdr = await _desk.IssueCdrAsync(partner, early);
        var lateCdr = await _desk.IssueCdrAsync(partner, late);

        var invoices = await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, From, Through, buyer: null);

        Assert.Equal([("B2B-000001", 10m, earlyCdr), ("B2B-000002", 15m, lateCdr)],
            invoices.Select(i => (i.Number, i.CommissionPercent!.Value, Assert.Single(InvoiceDrafting.CdrsBilledBy(i)).CdrId)));
        // 20 kWh at 0.50 EUR: 10.00 net and 11.90 gross per CDR, as the CDR says.
        Assert.All(invoices, i => Assert.Equal((10.00m, 11.90m, 20m), (i.TotalNet, i.TotalGross, i.Lines[0].Quantity)));
        Assert.All(invoices, i => Assert.Contains($"Not invoiced yet, no CDR issued: session {pending}.", i.Notes));
        Assert.Equal([1.00m, 1.50m], invoices.Select(i => i.CommissionAmount!.Value));
    }

    [Fact]
    public async Task a_cdr_is_billed_once_until_a_credit_note_releases_it_and_its_credit_cdr_is_billed_later()
    {
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        var partner = await _desk.RoamingPartnerAsync(8m, session);
        await _desk.PricedAsync();
        await _desk.IssueCdrAsync(partner, session);
        var first = Assert.Single(await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, From, Through, buyer: null));

        var again = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, From, Through, buyer: null));
        await _desk.Desk.IssueCreditNoteAsync(_desk.IssuerId, first.Number, null, "Billed to the wrong entity");
        var rebilled = Assert.Single(await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, From, Through, buyer: null));

        Assert.Equal(RefusalKind.Conflict, again.Kind);
        Assert.Contains($"Partner {partner} has no unbilled CDRs supplied from 2026-10-01 through 2026-10-31", again.Message);
        Assert.Equal(InvoiceDrafting.CdrsBilledBy(first), InvoiceDrafting.CdrsBilledBy(rebilled));
        Assert.Equal((8m, first.TotalGross), (rebilled.CommissionPercent!.Value, rebilled.TotalGross));
    }

    [Fact]
    public async Task a_reverse_charged_partner_is_billed_each_cdrs_net_and_no_vat()
    {
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        var partner = await _desk.InvitedPartnerAsync(10m, "EUR", session);
        await _desk.PricedAsync();
        await _desk.IssueCdrAsync(partner, session);

        var invoice = Assert.Single(await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner, From, Through,
            new InvoiceParty("Roam France SAS", "Paris", "FR", "FR32123456789")));

        Assert.Equal(0m, invoice.TotalVat);
        Assert.Equal(invoice.TotalNet, invoice.TotalGross);
        Assert.All(invoice.Lines, l => Assert.Equal(VatTreatment.ReverseCharge, l.Treatment));
    }
}
