using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.TaxRates;
using Settlement.Domain.Roaming;
using Settlement.Host.Invoicing;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Invoicing.Drafting;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Invoicing.Issuing;

/// <summary>
/// An invoice desk on the shared test ledger with its own issuer, and the priced sessions to bill.
/// Tests keep apart by the issuer's fresh id, so each sees its own gapless series.
/// </summary>
internal sealed class InvoicingDesk(Settlement.Ledger.Ledger ledger) : IAsyncDisposable
{
    public static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 8, 0);
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(60);

    private readonly AsyncProjections _pricing = new(ledger, NullLogger.Instance);

    public string IssuerId { get; } = "cpo-" + Guid.NewGuid().ToString("N")[..8];
    public InvoiceCommands Desk { get; } = new(ledger, new StoppedClock(Now));

    /// <summary>Fictitious ids of the right format and check digits.</summary>
    public static readonly IReadOnlyList<VatRegistration> Registrations =
    [
        new("DE", "DE300000002"), new("FR", "FR68300000002"), new("NL", "NL300000005B01"), new("CH", "CHE-300.000.007 MWST"), new("LU", "LU30000070"), new("NO", "NO300000002MVA"),
        new("US", "CA-300000002"),
    ];

    /// <summary>An issuer registered for VAT in every country the tests supply in, so each invoice carries its country's id.</summary>
    public Task RegisterIssuerAsync() => RegisterIssuerAsync(Registrations);

    public Task RegisterIssuerAsync(IReadOnlyList<VatRegistration> registrations, int? paymentTermsDays = null, PaymentAccount? bankAccount = null) =>
        Desk.RegisterIssuerAsync(new RegisterIssuer(IssuerId, "Settlement Charging GmbH", "Hauptstr. 1, 10115 Berlin", "DE", registrations, paymentTermsDays, bankAccount));

    /// <summary>A site at the coordinates with a flat energy price, and one session on it supplying <paramref name="kwh"/>.</summary>
    public async Task<(PricedNetwork Network, string SessionId)> SessionAtAsync(
        decimal latitude, decimal longitude, string timeZone, string country, Instant startedAt, decimal perKwh = 0.50m, string currency = "EUR", long kwh = 20)
    {
        var network = await new PricedNetwork(ledger).RegisterSiteAsync(timeZone, latitude, longitude, country);
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh, currency, from: startedAt - Duration.FromDays(1));
        return (network, await network.ChargeAsync(startedAt, readings: 4, whPerReading: kwh * 250));
    }

    /// <summary>A partner registered the legacy way (as the demo data does) with a fresh OCPI id, whose drivers charged the sessions.</summary>
    public async Task<string> RoamingPartnerAsync(decimal commissionPercent, params string[] sessionIds)
    {
        var partnerId = FreshPartnerId();
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Partner, partnerId), PricedNetwork.SetUpAt);
        await ledger.AppendAsync(new StreamAppend(StreamIds.RoamingPartner(partnerId),
        [
            new PendingEvent(new RoamingPartnerRegistered(partnerId, "FR", partnerId[3..], "Roam France", PartnerRole.Emsp, commissionPercent, PricedNetwork.SetUpAt), metadata),
            .. sessionIds.Select(id => new PendingEvent(new RoamingSessionRecordedV3(partnerId, id, TestDrivers.Seal("TOKEN-" + id), "RFID", "WHITELIST", "AUTH-" + id, PricedNetwork.SetUpAt), metadata)),
        ]));
        return partnerId;
    }

    /// <summary>
    /// A partner invited over OCPI (a fresh "FR-xxx" id) with an agreement of <paramref name="commissionPercent"/> in
    /// <paramref name="currency"/>, whose drivers charged the sessions.
    /// </summary>
    public async Task<string> InvitedPartnerAsync(decimal commissionPercent, string currency, params string[] sessionIds)
    {
        var partnerId = FreshPartnerId();
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "roaming-desk"), PricedNetwork.SetUpAt);
        await ledger.AppendAsync(new StreamAppend(StreamIds.RoamingPartner(partnerId),
        [
            new PendingEvent(new RoamingPartnerInvited(partnerId, "Roam France", Guid.NewGuid().ToString("N")[..12],
                new RoamingAgreement(commissionPercent, currency, SettlementPeriod.Monthly), PricedNetwork.SetUpAt), metadata),
            .. sessionIds.Select(id => new PendingEvent(new RoamingSessionRecordedV3(partnerId, id, TestDrivers.Seal("TOKEN-" + id), "RFID", "WHITELIST", "AUTH-" + id, PricedNetwork.SetUpAt), metadata)),
        ]));
        return partnerId;
    }

    /// <summary>An OCPI partner id ("XY-A1B") no other test uses: tests share the ledger.</summary>
    private static string FreshPartnerId()
    {
        const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Alphanumerics = Letters + "0123456789";
        return $"{Pick(Letters, 2)}-{Pick(Alphanumerics, 3)}";
    }

    private static string Pick(string from, int count) =>
        new([.. Enumerable.Range(0, count).Select(_ => from[Random.Shared.Next(from.Length)])]);

    public async Task ChangeAgreementAsync(string partnerId, RoamingAgreement agreement, LocalDate effectiveFrom) =>
        await ledger.AppendAsync(new StreamAppend(StreamIds.RoamingPartner(partnerId),
            [new PendingEvent(new RoamingAgreementChanged(partnerId, agreement, effectiveFrom, Now),
                EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "roaming-desk"), Now))]));

    /// <summary>
    /// Issues the CDR of a priced session the way the CDR module does, as <see cref="PartnerCdrs"/> builds it (VAT
    /// at the site's rate, none when <paramref name="reverseCharged"/>), and returns its id. Call after pricing.
    /// </summary>
    public async Task<string> IssueCdrAsync(string partnerId, string sessionId, bool reverseCharged = false)
    {
        var (sessions, refusal) = await new InvoiceInputs(ledger, new StoppedClock(Now)).InvoicedSessionsAsync([sessionId], CancellationToken.None);
        if (refusal is not null) throw new RefusedException(refusal);
        var cdr = PartnerCdrs.Of(sessions.Single(), "CDR-" + Guid.NewGuid().ToString("N")[..12], reverseCharged, partnerId).Cdr;
        await AppendCdrAsync(cdr);
        return cdr.CdrId;
    }

    public Task AppendCdrAsync(CdrIssuedV2 cdr) =>
        ledger.AppendAsync(new StreamAppend(Cdrs.Stream(cdr.CdrId),
            [new PendingEvent(cdr, EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "cdr-desk"), cdr.IssuedAt))], 0));

    /// <summary>Until pricing has caught up with everything appended so far.</summary>
    public async Task PricedAsync()
    {
        await _pricing.StartAsync(CancellationToken.None);
        await _pricing.WaitForNonStaleDataAsync(CatchUp);
    }

    /// <summary>Through the desk's running projections, since only the node that runs them may rebuild one.</summary>
    public async Task RebuildAsync(string projectionName)
    {
        await _pricing.StartAsync(CancellationToken.None);
        await _pricing.RebuildAsync(projectionName, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync() => await _pricing.DisposeAsync();
}

/// <summary>
/// The invoicing command handlers as the tests drive them: what was issued, or the refusal thrown as
/// <see cref="RefusedException"/> so a test states the one it expects.
/// </summary>
internal sealed class InvoiceCommands(Settlement.Ledger.Ledger ledger, IClock clock)
{
    private readonly InvoiceInputs _inputs = new(ledger, clock);

    public Task RegisterIssuerAsync(string issuerId, string legalName, string address, string countryCode, string vatId) =>
        RegisterIssuerAsync(new RegisterIssuer(issuerId, legalName, address, countryCode, vatId));

    public async Task RegisterIssuerAsync(RegisterIssuer command) => Accepted(await new RegisterIssuerHandler(ledger, clock).Handle(command, default));

    public async Task SetTaxPointRuleAsync(SetTaxPointRule command) => Accepted(await new SetTaxPointRuleHandler(ledger, clock).Handle(command, default));

    public async Task<(SiteJurisdictionResolved Jurisdiction, SourceEvent Source)> JurisdictionOfAsync(string siteId, CancellationToken ct)
    {
        var found = await _inputs.JurisdictionOfAsync(siteId, ct);
        return found.Refusal is { } refusal ? throw new RefusedException(refusal) : (found.Resolved!, found.Source!);
    }

    public async Task DefineSiteSalesTaxAsync(Domain.Invoicing.SalesTax.DefineSiteSalesTax command, CancellationToken ct) =>
        Accepted(await new DefineSiteSalesTaxHandler(ledger, _inputs, clock).Handle(command, ct));

    public async Task OverrideJurisdictionAsync(string siteId, string jurisdiction, string reason, CancellationToken ct) =>
        Accepted(await new OverrideJurisdictionHandler(ledger, _inputs, clock).Handle(new OverrideJurisdiction(siteId, jurisdiction, reason), ct));

    public Task<TaxRateTable> RatesAsync(string jurisdiction, CancellationToken ct) => _inputs.RatesAsync(jurisdiction, ct);

    public async Task SetRateAsync(string jurisdiction, decimal ratePercent, LocalDate validFrom, LocalDate? validThrough, string source, CancellationToken ct) =>
        Accepted(await new SetTaxRateHandler(ledger, _inputs, clock).Handle(new SetTaxRate(jurisdiction, ratePercent, validFrom, validThrough, source), ct));

    public Task<IReadOnlyList<string>> DriverSessionsToBillAsync(CancellationToken ct) => _inputs.DriverSessionsToBillAsync(ct);

    public async Task<IReadOnlyList<InvoiceDocument>> IssueSessionInvoicesAsync(
        string issuerId, IReadOnlyList<string> sessionIds, InvoiceParty? buyer, string series = InvoiceSeries.Sessions) =>
        InvoiceIssuing.DocumentsOf(Accepted(await new IssueSessionInvoicesHandler(ledger, _inputs, clock)
            .Handle(new IssueSessionInvoices(issuerId, sessionIds, buyer, series), default)));

    public async Task<IReadOnlyList<InvoiceDocument>> IssuePartnerInvoicesAsync(
        string issuerId, string partnerId, LocalDate from, LocalDate through, InvoiceParty? buyer, string series = InvoiceSeries.Partners) =>
        InvoiceIssuing.DocumentsOf(Accepted(await new IssuePartnerInvoicesHandler(ledger, _inputs, clock)
            .Handle(new IssuePartnerInvoices(issuerId, partnerId, from, through, buyer, series), default)));

    public async Task<InvoiceDocument> IssueCreditNoteAsync(
        string issuerId, string invoiceNumber, IReadOnlyList<int>? lineNos, string reason, string series = InvoiceSeries.CreditNotes) =>
        InvoiceIssuing.DocumentsOf(Accepted(await new IssueCreditNoteHandler(ledger, _inputs, clock)
            .Handle(new IssueCreditNote(issuerId, invoiceNumber, lineNos, reason, series), default))).Single();

    private static Decision Accepted(Decision decision) => decision.Refusal is { } refusal ? throw new RefusedException(refusal) : decision;
}

internal sealed class RefusedException(Refusal refusal) : Exception(refusal.Message)
{
    public RefusalKind Kind => refusal.Kind;
}

internal sealed class StoppedClock(Instant now) : IClock
{
    public Instant GetCurrentInstant() => now;
}
