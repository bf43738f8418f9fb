using Settlement.Host.Access;
using Marten;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Jurisdictions;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Domain.Invoicing.TaxRates;
using Settlement.Domain.Roaming;
using Settlement.Ledger;
using Settlement.Projections.Chargers;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Roaming;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Invoicing;

/// <summary>A site's jurisdiction as recorded and the event that recorded it, or why there is none.</summary>
public sealed record SiteJurisdiction(SiteJurisdictionResolved? Resolved, SourceEvent? Source, Refusal? Refusal);

/// <summary>
/// Reads what invoices are derived from (issuers, partners, priced sessions, billing) from the ledger and its
/// read models. A site's jurisdiction and a jurisdiction's built-in tax rates are recorded as events on first
/// use, so every document names only events and a later software update cannot change what it was derived from.
/// </summary>
/// <remarks>
/// EVSEs are named as the CDRs name them (eMI3, with our OCPI country and party, <paramref name="ocpi"/>; its defaults
/// where roaming is not configured), so a driver's invoice and a partner's CDR of one session name one EVSE.
/// </remarks>
public sealed class InvoiceInputs(Ledger.Ledger ledger, IClock clock, Callers? callers = null, Roaming.Ocpi.OcpiOptions? ocpi = null)
{
    private readonly Roaming.Ocpi.OcpiOptions _ocpi = ocpi ?? new Roaming.Ocpi.OcpiOptions();

    private static readonly JurisdictionResolver Boundaries = JurisdictionResolver.Bundled;

    /// <summary>The site's jurisdiction as recorded; resolved from the bundled boundaries and recorded first when it never was.</summary>
    public async Task<SiteJurisdiction> JurisdictionOfAsync(string siteId, CancellationToken ct)
    {
        if (await SiteAsync(siteId, ct) is not { } site)
            return new(null, null, new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered."]));
        if (site.Jurisdiction is { } recorded)
            return new(recorded, JurisdictionSource(site.SiteId, site.JurisdictionVersion!.Value), null);

        var decision = InvoiceIssuing.ResolveJurisdiction(siteId, site.Latitude, site.Longitude, Boundaries, clock.GetCurrentInstant());
        if (decision.Refusal is { } offshore) return new(null, null, offshore);
        var resolved = (SiteJurisdictionResolved)decision.Events.Single();
        var stream = StreamIds.Site(siteId);
        try
        {
            var version = await ledger.StreamVersionAsync(stream, ct);
            await ledger.AppendAsync(new StreamAppend(stream, [new PendingEvent(resolved, Finance.Metadata(clock, callers))], version), ct);
            return new(resolved, JurisdictionSource(siteId, version + 1), null);
        }
        catch (StreamConcurrencyException)
        {
            // The site changed meanwhile, perhaps another host recorded its jurisdiction: take what is recorded now.
            return await JurisdictionOfAsync(siteId, ct);
        }
    }

    /// <summary>Every rate recorded for the jurisdiction, the built-in ones recorded first if none were.</summary>
    public async Task<TaxRateTable> RatesAsync(string jurisdiction, CancellationToken ct)
    {
        var stream = StreamIds.TaxRates(jurisdiction);
        for (var attempt = 1; ; attempt++)
        {
            var (events, version) = await ledger.FetchAsync(stream, ct);
            if (version > 0)
                return events.Aggregate(TaxRateTable.BuiltIn, (table, e) => table.With((TaxRateSet)e.Data, e.Version));

            var now = clock.GetCurrentInstant();
            var builtIn = BuiltInTaxRates.All.Where(r => r.Jurisdiction == jurisdiction)
                .Select(r => new TaxRateSet(r.Jurisdiction, r.RatePercent, r.ValidFrom, r.ValidThrough, r.Source, now)).ToList();
            if (builtIn.Count == 0) return TaxRateTable.BuiltIn;
            var metadata = Finance.Metadata(clock, callers);
            try
            {
                await ledger.AppendAsync(new StreamAppend(stream, [.. builtIn.Select(r => new PendingEvent(r, metadata))], 0), ct);
            }
            catch (StreamConcurrencyException) when (attempt < 3)
            {
                // Another host recorded them first: read theirs.
            }
        }
    }

    /// <summary>Every sales tax definition of the site, in the order recorded (none for a site that has none, or no site).</summary>
    public async Task<SiteSalesTaxHistory> SalesTaxOfAsync(string siteId, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.SiteSalesTax(siteId), ct);
        return events.Aggregate(SiteSalesTaxHistory.Empty, (history, e) => history.Apply((SiteSalesTaxDefined)e.Data, e.Version));
    }

    /// <summary>Stopped, priced sessions of drivers (not roaming partners) that no invoice bills yet, in id order: a billing run's work.</summary>
    public async Task<IReadOnlyList<string>> DriverSessionsToBillAsync(CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var roamed = (await query.Query<RoamedSession>().Select(r => r.Id).ToListAsync(ct)).ToHashSet();
        var billed = (await query.Query<SessionBilling>().Where(b => b.Invoice != null).Select(b => b.Id).ToListAsync(ct)).ToHashSet();
        var stopped = await query.Query<PricedSessionView>().Where(v => v.Status == PricedSessionStatus.Stopped).Select(v => v.Id).ToListAsync(ct);
        return [.. stopped.Where(id => !roamed.Contains(id) && !billed.Contains(id)).Order(StringComparer.Ordinal)];
    }

    public async Task<InvoiceIssuer?> IssuerAsync(string issuerId, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.InvoiceIssuer(issuerId), ct);
        var owner = events.Select(e => e.Data).OfType<Domain.Access.IssuerOperatorAssigned>().LastOrDefault()?.OperatorId;
        return events.LastOrDefault(e => e.Data is InvoiceIssuerRegisteredV2) is { Data: InvoiceIssuerRegisteredV2 registered } e
            ? new InvoiceIssuer(registered, new SourceEvent(e.StreamId, e.Version, e.StoredType), owner)
            : null;
    }

    /// <summary>The tax point rules in force for the jurisdictions: the operator's recorded ones over the built-in.</summary>
    public async Task<TaxPointRules> TaxPointRulesAsync(IEnumerable<string> jurisdictions, CancellationToken ct)
    {
        var rules = TaxPointRules.BuiltInOnly;
        foreach (var jurisdiction in jurisdictions.Distinct(StringComparer.Ordinal))
        {
            var (events, _) = await ledger.FetchAsync(StreamIds.TaxPointRules(jurisdiction), ct);
            rules = events.Where(e => e.Data is TaxPointRuleSet).Aggregate(rules, (known, e) => known.With((TaxPointRuleSet)e.Data, e.Version));
        }
        return rules;
    }

    public async Task<bool> SubOperatorRegisteredAsync(string operatorId, CancellationToken ct) =>
        await ledger.StreamVersionAsync(StreamIds.SubOperator(operatorId), ct) > 0;

    /// <summary>The partner's name and every roaming agreement recorded in its stream; null when it was never invited nor registered.</summary>
    public async Task<InvoicedPartner?> PartnerAsync(string partnerId, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.RoamingPartner(partnerId), ct);
        return InvoicedPartner.From(events.Select(e => (e.Data, new SourceEvent(e.StreamId, e.Version, e.StoredType))));
    }

    /// <summary>Those of the sessions a roaming partner's driver charged.</summary>
    public async Task<IReadOnlyList<RoamedSessionOf>> RoamedAsync(IReadOnlyList<string> sessionIds, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return [.. (await query.LoadManyAsync<RoamedSession>(ct, sessionIds)).Select(r => new RoamedSessionOf(r.Id, r.PartnerId))];
    }

    /// <summary>Those of the sessions an invoice bills already.</summary>
    public async Task<IReadOnlyList<BilledSession>> BilledAsync(IEnumerable<string> sessionIds, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return [.. (await query.LoadManyAsync<SessionBilling>(ct, sessionIds)).Where(b => b.IsBilled).Select(b => new BilledSession(b.Id, b.Invoice!))];
    }

    /// <summary>The partner's stopped, priced sessions supplied in [from, through], in the order the read model holds them.</summary>
    public async Task<IReadOnlyList<string>> PartnerSessionsSuppliedAsync(string partnerId, LocalDate from, LocalDate through, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var roamed = await query.Query<RoamedSession>().Where(s => s.PartnerId == partnerId).Select(s => s.Id).ToListAsync(ct);
        var priced = await query.LoadManyAsync<PricedSessionView>(ct, roamed);
        return [.. priced
            .Where(p => p is { Status: PricedSessionStatus.Stopped, Price: not null }
                        && InvoiceDrafting.SupplyDateOf(p.Price) is var date && date >= from && date <= through)
            .Select(p => p.Id)];
    }

    /// <summary>
    /// The partner's CDRs supplied in [from, through] (the local date at the station when the session ended), each
    /// with its priced session; or why a session cannot be read for invoicing.
    /// </summary>
    public async Task<(IReadOnlyList<InvoicedCdr> Cdrs, Refusal? Refusal)> PartnerCdrsSuppliedAsync(
        string partnerId, LocalDate from, LocalDate through, CancellationToken ct)
    {
        IReadOnlyList<BillableCdr> found;
        await using (var query = ledger.QueryReadModels())
        {
            // A local date is within a day of the UTC one anywhere on earth.
            var (first, last) = (BillableCdr.UtcDayOf(from) - 1, BillableCdr.UtcDayOf(through) + 1);
            found = await query.Query<BillableCdr>()
                .Where(c => c.PartnerId == partnerId && c.EndedOnUtcDay >= first && c.EndedOnUtcDay <= last).ToListAsync(ct);
        }
        var (sessions, refusal) = await InvoicedSessionsAsync([.. found.Select(c => c.SessionId).Distinct()], ct);
        if (refusal is not null) return ([], refusal);
        var bySession = sessions.ToDictionary(s => s.SessionId);
        return ([.. found
            .Select(c => new InvoicedCdr(c.Cdr, new SourceEvent(c.Id, c.Version, BillableCdr.StoredType), bySession[c.SessionId]))
            .Where(c => c.SupplyDate >= from && c.SupplyDate <= through)], null);
    }

    /// <summary>The partner's CDRs that an invoice bills on a line not credited since, of any issuer.</summary>
    public async Task<IReadOnlyList<string>> BilledCdrsAsync(string partnerId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var invoices = await query.Query<InvoiceEntry>()
            .Where(e => e.Document.PartnerId == partnerId && e.Document.Kind == InvoiceKind.PartnerInvoice).ToListAsync(ct);
        return [.. invoices.SelectMany(e => InvoiceDrafting.CdrsBilledBy(e.Document)
            .Where(line => !e.CreditedLines.Contains(line.LineNo)).Select(line => line.CdrId))];
    }

    /// <summary>Those of the partner's stopped sessions supplied in [from, through] that no CDR bills yet, in id order.</summary>
    public async Task<IReadOnlyList<string>> PartnerSessionsWithoutCdrAsync(string partnerId, LocalDate from, LocalDate through, CancellationToken ct)
    {
        var supplied = (await PartnerSessionsSuppliedAsync(partnerId, from, through, ct)).ToArray();
        await using var query = ledger.QueryReadModels();
        var withCdr = (await query.Query<BillableCdr>().Where(c => c.PartnerId == partnerId && c.SessionId.IsOneOf(supplied))
            .Select(c => c.SessionId).ToListAsync(ct)).ToHashSet();
        return [.. supplied.Where(id => !withCdr.Contains(id)).Order(StringComparer.Ordinal)];
    }

    public async Task<CreditableDocument?> DocumentAsync(string issuerId, string number, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<InvoiceEntry>(InvoiceEntry.KeyOf(issuerId, number), ct) is { } entry
            ? new CreditableDocument(entry.Document, entry.CreditedLines, entry.CreditNotes)
            : null;
    }

    /// <summary>The stopped, priced sessions with their tax and every event their lines derive from; or why they cannot be invoiced.</summary>
    public async Task<(IReadOnlyList<InvoicedSession> Sessions, Refusal? Refusal)> InvoicedSessionsAsync(IReadOnlyList<string> sessionIds, CancellationToken ct)
    {
        if (sessionIds.Count == 0) return ([], null);
        IReadOnlyList<PricedSessionView> views;
        await using (var query = ledger.QueryReadModels())
            views = await query.LoadManyAsync<PricedSessionView>(ct, sessionIds);
        var byId = views.ToDictionary(v => v.Id);
        foreach (var id in sessionIds)
        {
            if (!byId.TryGetValue(id, out var view))
                return Refused(RefusalKind.NotFound, $"No priced session '{id}': it was never started, or pricing has not caught up with it yet.");
            if (view.Status != PricedSessionStatus.Stopped || view.Price is null || view.SiteId is null)
                return Refused(RefusalKind.Conflict, view.Status switch
                {
                    PricedSessionStatus.Unpriced => $"Session {id} cannot be priced: {view.Problem}",
                    PricedSessionStatus.ClosedForSilence =>
                        $"Session {id} was closed because its charger fell silent; it is invoiced once the charger's own stop arrives.",
                    _ => $"Session {id} is still running; it is invoiced once it has stopped.",
                });
        }

        var sessionTypes = await ledger.StoredTypesAsync([.. views.Select(v => (StreamIds.Session(v.Id), v.Sources.SessionVersion))], ct);
        var sites = new Dictionary<string, (SiteEntry Site, SiteJurisdictionResolved Jurisdiction, SourceEvent Source, string? OperatorId)>();
        var rates = new Dictionary<string, TaxRateTable>();
        var salesTaxes = new Dictionary<string, SiteSalesTaxHistory>();
        var tariffs = new Dictionary<(string, long), Domain.Tariffs.TariffPublished>();
        var invoiced = new List<InvoicedSession>(sessionIds.Count);
        foreach (var view in sessionIds.Select(id => byId[id]))
        {
            if (!sites.TryGetValue(view.SiteId!, out var site))
            {
                var jurisdiction = await JurisdictionOfAsync(view.SiteId!, ct);
                if (jurisdiction.Refusal is { } untaxable) return ([], untaxable);
                sites[view.SiteId!] = site = ((await SiteAsync(view.SiteId!, ct))!, jurisdiction.Resolved!, jurisdiction.Source!, await SiteOperatorAsync(view.SiteId!, ct));
            }
            var code = site.Jurisdiction.Jurisdiction;
            var price = view.Price!;
            var supplyDate = InvoiceDrafting.SupplyDateOf(price);
            SupplyTax tax;
            SourceEvent? rateSource;
            if (site.Jurisdiction.CountryCode == "US")
            {
                // US sales tax is the site's, by level; nothing is charged that the operator did not define.
                if (!salesTaxes.TryGetValue(view.SiteId!, out var history)) salesTaxes[view.SiteId!] = history = await SalesTaxOfAsync(view.SiteId!, ct);
                if (history.On(supplyDate) is not { } inForce)
                    return Refused(RefusalKind.Unprocessable,
                        $"No sales tax rates for site {view.SiteId} ({code}) on {supplyDate:uuuu-MM-dd} (session {view.Id}); the engine never invents one: define them with PUT /api/sites/{view.SiteId}/sales-tax.");
                foreach (var version in price.Tariffs)
                {
                    if (!tariffs.TryGetValue((version.TariffId, version.StreamVersion), out var tariff))
                        tariffs[(version.TariffId, version.StreamVersion)] = tariff = await TariffAsync(version.TariffId, version.StreamVersion, ct);
                    if (SiteSalesTax.TariffProblem(view.Id, tariff) is { } taxOnTax) return Refused(RefusalKind.Unprocessable, taxOnTax);
                }
                tax = SupplyTax.Sales(code, inForce.Definition.Components);
                rateSource = new SourceEvent(StreamIds.SiteSalesTax(view.SiteId!), inForce.StreamVersion, SalesTaxDefinedType);
            }
            else
            {
                if (!rates.TryGetValue(code, out var table)) rates[code] = table = await RatesAsync(code, ct);
                if (table.RateOn(code, supplyDate) is not { } rate)
                    return Refused(RefusalKind.Unprocessable,
                        $"No tax rate for {code} on {supplyDate:uuuu-MM-dd} (session {view.Id} at site {view.SiteId}); set one with POST /api/tax-rates.");
                tax = new SupplyTax(code, site.Jurisdiction.CountryCode, rate.Rate.RatePercent);
                rateSource = rate.SetBy;
            }
            var sessionStream = StreamIds.Session(view.Id);
            List<SourceEvent> sources =
            [
                new(sessionStream, view.Sources.SessionVersion, sessionTypes[(sessionStream, view.Sources.SessionVersion)]),
                .. price.Tariffs.Select(t => new SourceEvent(StreamIds.Tariff(t.TariffId), t.StreamVersion, EventType.StoredNameOf(typeof(Domain.Tariffs.TariffPublished)))),
                site.Source,
                .. rateSource is { } setBy ? [setBy] : Array.Empty<SourceEvent>(),
            ];
            invoiced.Add(new InvoicedSession(view.Id, view.SiteId!, site.Site.Name, price, tax, sources, site.OperatorId,
                OcpiNetworkIds.EvseId(_ocpi.CountryCode, _ocpi.PartyId, view.ChargerId, view.EvseId)));
        }
        return (invoiced, null);

        static (IReadOnlyList<InvoicedSession>, Refusal?) Refused(RefusalKind kind, string problem) => ([], new Refusal(kind, [problem]));
    }

    private static readonly string SalesTaxDefinedType = EventType.StoredNameOf(typeof(SiteSalesTaxDefined));

    /// <summary>The tariff version a session was priced by, as published.</summary>
    private async Task<Domain.Tariffs.TariffPublished> TariffAsync(string tariffId, long streamVersion, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.Tariff(tariffId), ct);
        return (Domain.Tariffs.TariffPublished)events.Single(e => e.Version == streamVersion).Data;
    }

    public async Task<bool> SiteRegisteredAsync(string siteId, CancellationToken ct) => await SiteAsync(siteId, ct) is not null;

    /// <summary>The sub-operator the site is assigned to now; null for the top-level operator's own.</summary>
    private async Task<string?> SiteOperatorAsync(string siteId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return (await query.LoadAsync<Projections.Access.OwnedStream>(StreamIds.Site(siteId), ct))?.OperatorId;
    }

    private async Task<SiteEntry?> SiteAsync(string siteId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct);
    }

    private static SourceEvent JurisdictionSource(string siteId, long version) =>
        new(StreamIds.Site(siteId), version, EventType.StoredNameOf(typeof(SiteJurisdictionResolved)));
}

/// <summary>Finance records invoices and what they depend on.</summary>
internal static class Finance
{
    private static readonly Actor Actor = new(ActorKind.Operator, "finance");

    public static EventMetadata Metadata(IClock clock, Callers? callers = null) =>
        EventMetadata.NewCorrelation(callers?.ActorOr(Actor) ?? Actor, clock.GetCurrentInstant());
}
