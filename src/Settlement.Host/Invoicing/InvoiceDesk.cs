using Settlement.Domain.Deciding;
using Marten;
using NodaTime;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Jurisdictions;
using Settlement.Domain.Invoicing.TaxRates;
using Settlement.Domain.Roaming;
using Settlement.Ledger;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Chargers;
using Settlement.Projections.Tariffs;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Invoicing;

/// <summary>
/// Issues invoices and credit notes, and records what they depend on (issuers, site jurisdictions, tax
/// rates) as events first, so every document names only events.
/// </summary>
/// <remarks>
/// A document's number is its version in the stream of its issuer and series. Each issue reads the
/// series' version, decides, and appends at exactly that version: of two hosts issuing at once one wins
/// and the other decides again on top of it, so numbers never repeat and never skip.
/// </remarks>
public sealed class InvoiceDesk(Ledger.Ledger ledger, IClock clock)
{
    public const string SessionSeries = "INV";
    public const string PartnerSeries = "B2B";
    public const string CreditNoteSeries = "CN";

    private const int IssueAttempts = 50;
    private static readonly Actor Finance = new(ActorKind.Operator, "finance");
    private static readonly InvoiceParty AnonymousDriver = new("Ad-hoc customer", null, null, null);
    private static readonly JurisdictionResolver Boundaries = JurisdictionResolver.Bundled;

    public async Task<InvoiceIssuerRegistered> RegisterIssuerAsync(
        string issuerId, string legalName, string address, string countryCode, string vatId, CancellationToken ct)
    {
        var registered = new InvoiceIssuerRegistered(issuerId, legalName, address, countryCode, vatId, clock.GetCurrentInstant());
        await AppendAsync(StreamIds.InvoiceIssuer(issuerId), null, [registered], ct);
        return registered;
    }

    /// <summary>The site's jurisdiction as recorded; resolved from the bundled boundaries and recorded first when it never was.</summary>
    public async Task<(SiteJurisdictionResolved Jurisdiction, SourceEvent Source)> JurisdictionOfAsync(string siteId, CancellationToken ct)
    {
        var site = await SiteAsync(siteId, ct);
        if (site.Jurisdiction is { } recorded)
            return (recorded, JurisdictionSource(site.SiteId, site.JurisdictionVersion!.Value));

        var match = Boundaries.Resolve(site.Latitude, site.Longitude)
            ?? throw new RequestRefusedException(RefusalKind.Unprocessable,
                $"Site {siteId} at {site.Latitude}, {site.Longitude} lies in no jurisdiction of the bundled boundaries ({Boundaries.Source}); record one with POST /api/sites/{siteId}/jurisdiction.");
        var resolved = new SiteJurisdictionResolved(siteId, match.Jurisdiction, match.CountryCode, JurisdictionMethod.Boundaries,
            match.Source, match.NearBorderWith, Note: null, clock.GetCurrentInstant());
        var stream = StreamIds.Site(siteId);
        try
        {
            var version = await ledger.StreamVersionAsync(stream, ct);
            await AppendAsync(stream, version, [resolved], ct);
            return (resolved, JurisdictionSource(siteId, version + 1));
        }
        catch (StreamConcurrencyException)
        {
            // The site changed meanwhile, perhaps another host recorded its jurisdiction: take what is recorded now.
            return await JurisdictionOfAsync(siteId, ct);
        }
    }

    /// <summary>An operator's decision for a site the boundaries cannot settle (on a border, or offshore).</summary>
    public async Task<SiteJurisdictionResolved> OverrideJurisdictionAsync(string siteId, string jurisdiction, string reason, CancellationToken ct)
    {
        await SiteAsync(siteId, ct);
        if (string.IsNullOrWhiteSpace(reason))
            throw new RequestRefusedException(RefusalKind.Unprocessable, "An override needs a reason (e.g. the site's address and the authority that confirmed it).");
        var overridden = new SiteJurisdictionResolved(siteId, jurisdiction, jurisdiction[..Math.Min(2, jurisdiction.Length)],
            JurisdictionMethod.Override, "operator", [], reason, clock.GetCurrentInstant());
        await AppendAsync(StreamIds.Site(siteId), null, [overridden], ct);
        return overridden;
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

            // The built-in rates become events on first use, so invoices name the rate they used and a
            // later software update cannot change what an issued invoice was derived from.
            var now = clock.GetCurrentInstant();
            var builtIn = BuiltInTaxRates.All.Where(r => r.Jurisdiction == jurisdiction)
                .Select(r => new TaxRateSet(r.Jurisdiction, r.RatePercent, r.ValidFrom, r.ValidThrough, r.Source, now)).ToList();
            if (builtIn.Count == 0) return TaxRateTable.BuiltIn;
            try
            {
                await AppendAsync(stream, 0, builtIn, ct);
            }
            catch (StreamConcurrencyException) when (attempt < 3)
            {
                // Another host recorded them first: read theirs.
            }
        }
    }

    public async Task<TaxRateSet> SetRateAsync(string jurisdiction, decimal ratePercent, LocalDate validFrom, LocalDate? validThrough, string source, CancellationToken ct)
    {
        if (validThrough < validFrom)
            throw new RequestRefusedException(RefusalKind.Unprocessable, $"validThrough {validThrough} is before validFrom {validFrom}.");
        await RatesAsync(jurisdiction, ct);
        var set = new TaxRateSet(jurisdiction, ratePercent, validFrom, validThrough, source, clock.GetCurrentInstant());
        await AppendAsync(StreamIds.TaxRates(jurisdiction), null, [set], ct);
        return set;
    }

    /// <summary>Stopped, priced sessions of drivers (not roaming partners) that no invoice bills yet, in id order: a billing run's work.</summary>
    public async Task<IReadOnlyList<string>> DriverSessionsToBillAsync(CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        var roamed = (await query.Query<RoamedSession>().Select(r => r.Id).ToListAsync(ct)).ToHashSet();
        var billed = (await query.Query<SessionBilling>().Where(b => b.Invoice != null).Select(b => b.Id).ToListAsync(ct)).ToHashSet();
        var stopped = await query.Query<PricedSessionView>().Where(v => v.Status == PricedSessionStatus.Stopped).Select(v => v.Id).ToListAsync(ct);
        return [.. stopped.Where(id => !roamed.Contains(id) && !billed.Contains(id)).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// One driver's invoice per session, numbered consecutively in <paramref name="series"/>. Refused whole
    /// when any session is not stopped and priced, is billed already, or is a roaming partner's.
    /// </summary>
    public async Task<IReadOnlyList<InvoiceDocument>> IssueSessionInvoicesAsync(
        string issuerId, IReadOnlyList<string> sessionIds, InvoiceParty? buyer, string series = SessionSeries, CancellationToken ct = default)
    {
        if (sessionIds.Count == 0) return [];
        if (sessionIds.Distinct().Count() != sessionIds.Count)
            throw new RequestRefusedException(RefusalKind.Unprocessable, "A session is listed twice.");
        var issuer = await IssuerAsync(issuerId, ct);
        var sessions = await InvoicedSessionsAsync(sessionIds, ct);
        await using (var query = ledger.Store.QuerySession())
        {
            var roamed = await query.LoadManyAsync<RoamedSession>(ct, sessionIds);
            if (roamed.Count > 0)
                throw new RequestRefusedException(RefusalKind.Conflict,
                    $"Session {roamed[0].Id} was charged by a driver of roaming partner {roamed[0].PartnerId}: it is billed to the partner, not the driver.");
        }

        return await IssueAsync(issuerId, series, sessionIds, async (version, now) =>
            sessions.Select((session, i) =>
                InvoiceDrafting.ForSession(issuer.Header(series, version + 1 + i, now, buyer ?? AnonymousDriver), session)).ToList(), ct);
    }

    /// <summary>
    /// The partner's invoices for the sessions its drivers charged with a supply date in [from, through]
    /// that are not billed yet: one per currency.
    /// </summary>
    public async Task<IReadOnlyList<InvoiceDocument>> IssuePartnerInvoicesAsync(
        string issuerId, string partnerId, LocalDate from, LocalDate through, InvoiceParty? buyer, string series = PartnerSeries, CancellationToken ct = default)
    {
        if (through < from)
            throw new RequestRefusedException(RefusalKind.Unprocessable, $"The period ends ({through}) before it starts ({from}).");
        var issuer = await IssuerAsync(issuerId, ct);
        var (partnerEvents, _) = await ledger.FetchAsync(StreamIds.RoamingPartner(partnerId), ct);
        if (partnerEvents.LastOrDefault(e => e.Data is RoamingPartnerRegistered) is not { Data: RoamingPartnerRegistered partner } registration)
            throw new RequestRefusedException(RefusalKind.NotFound, $"No roaming partner '{partnerId}' is registered.");
        var partnerSource = new SourceEvent(registration.StreamId, registration.Version, registration.StoredType);
        var billTo = buyer ?? new InvoiceParty(partner.Name, null, partner.CountryCode, null);

        IReadOnlyList<string> candidates;
        await using (var query = ledger.Store.QuerySession())
        {
            var roamed = await query.Query<RoamedSession>().Where(s => s.PartnerId == partnerId).Select(s => s.Id).ToListAsync(ct);
            var priced = await query.LoadManyAsync<PricedSessionView>(ct, roamed);
            candidates = priced
                .Where(p => p is { Status: PricedSessionStatus.Stopped, Price: not null }
                            && InvoiceDrafting.SupplyDateOf(p.Price) is var date && date >= from && date <= through)
                .Select(p => p.Id).ToList();
        }
        var sessions = await InvoicedSessionsAsync(candidates, ct);

        return await IssueAsync(issuerId, series, sessionIds: null, async (version, now) =>
        {
            var unbilled = await UnbilledAsync(sessions, ct);
            if (unbilled.Count == 0)
                throw new RequestRefusedException(RefusalKind.Conflict,
                    $"Partner {partnerId} has no stopped, priced and unbilled sessions supplied from {from} through {through}.");
            return unbilled.GroupBy(s => s.Price.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select((byCurrency, i) => InvoiceDrafting.ForPartner(
                    issuer.Header(series, version + 1 + i, now, billTo), partnerId, partner.CommissionPercent, from, through,
                    byCurrency.ToList(), [partnerSource]))
                .ToList();
        }, ct);
    }

    /// <summary>Credits the given lines of an invoice (all still open ones when none are given).</summary>
    public async Task<InvoiceDocument> IssueCreditNoteAsync(
        string issuerId, string invoiceNumber, IReadOnlyList<int>? lineNos, string reason, string series = CreditNoteSeries, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new RequestRefusedException(RefusalKind.Unprocessable, "A credit note needs a reason.");
        var issuer = await IssuerAsync(issuerId, ct);
        var issued = await IssueAsync(issuerId, series, sessionIds: null, async (version, now) =>
        {
            await using var query = ledger.Store.QuerySession();
            var entry = await query.LoadAsync<InvoiceEntry>(InvoiceEntry.KeyOf(issuerId, invoiceNumber), ct)
                ?? throw new RequestRefusedException(RefusalKind.NotFound, $"Issuer {issuerId} has no document {invoiceNumber}.");
            if (entry.Document.Kind == InvoiceKind.CreditNote)
                throw new RequestRefusedException(RefusalKind.Unprocessable, $"{invoiceNumber} is a credit note; only invoices are credited.");
            var lines = lineNos is { Count: > 0 } ? lineNos.Distinct().ToList() : entry.OpenLines;
            if (lines.Count == 0)
                throw new RequestRefusedException(RefusalKind.Conflict, $"Every line of {invoiceNumber} is credited already (by {string.Join(", ", entry.CreditNotes)}).");
            if (lines.Except(entry.Document.Lines.Select(l => l.LineNo)).ToList() is { Count: > 0 } unknown)
                throw new RequestRefusedException(RefusalKind.Unprocessable, $"{invoiceNumber} has lines 1 to {entry.Document.Lines.Count}; there is no line {string.Join(", ", unknown)}.");
            if (lines.Intersect(entry.CreditedLines).ToList() is { Count: > 0 } credited)
                throw new RequestRefusedException(RefusalKind.Conflict, $"Line {string.Join(", ", credited)} of {invoiceNumber} is credited already (by {string.Join(", ", entry.CreditNotes)}).");
            return [InvoiceDrafting.CreditNote(issuer.Header(series, version + 1, now, entry.Document.Buyer), entry.Document, lines, reason)];
        }, ct);
        return issued.Single();
    }

    /// <summary>Reads the series, decides at its version, appends at exactly that version; again on top of a writer that won.</summary>
    private async Task<IReadOnlyList<InvoiceDocument>> IssueAsync(
        string issuerId, string series, IReadOnlyList<string>? sessionIds,
        Func<long, Instant, Task<IReadOnlyList<InvoiceDocument>>> decide, CancellationToken ct)
    {
        var stream = StreamIds.InvoiceSeries(issuerId, series);
        for (var attempt = 1; ; attempt++)
        {
            var version = await ledger.StreamVersionAsync(stream, ct);
            if (sessionIds is not null) await RefuseBilledAsync(sessionIds, ct);
            var documents = await decide(version, clock.GetCurrentInstant());
            try
            {
                await AppendAsync(stream, version, documents.Select(d => d.Kind == InvoiceKind.CreditNote
                    ? (object)new CreditNoteIssued(d) : new InvoiceIssued(d)).ToList(), ct);
                return documents;
            }
            catch (StreamConcurrencyException) when (attempt < IssueAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }

    private async Task RefuseBilledAsync(IReadOnlyList<string> sessionIds, CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        var billed = (await query.LoadManyAsync<SessionBilling>(ct, sessionIds)).Where(b => b.IsBilled).ToList();
        if (billed.Count > 0)
            throw new RequestRefusedException(RefusalKind.Conflict,
                $"Session {billed[0].Id} is billed already by {billed[0].Invoice}; credit that invoice first to bill it again.");
    }

    private async Task<IReadOnlyList<InvoicedSession>> UnbilledAsync(IReadOnlyList<InvoicedSession> sessions, CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        var billed = (await query.LoadManyAsync<SessionBilling>(ct, sessions.Select(s => s.SessionId)))
            .Where(b => b.IsBilled).Select(b => b.Id).ToHashSet();
        return [.. sessions.Where(s => !billed.Contains(s.SessionId))];
    }

    /// <summary>The stopped, priced sessions with their tax and every event their lines derive from.</summary>
    private async Task<IReadOnlyList<InvoicedSession>> InvoicedSessionsAsync(IReadOnlyList<string> sessionIds, CancellationToken ct)
    {
        if (sessionIds.Count == 0) return [];
        IReadOnlyList<PricedSessionView> views;
        await using (var query = ledger.Store.QuerySession())
            views = await query.LoadManyAsync<PricedSessionView>(ct, sessionIds);
        var byId = views.ToDictionary(v => v.Id);
        foreach (var id in sessionIds)
        {
            if (!byId.TryGetValue(id, out var view))
                throw new RequestRefusedException(RefusalKind.NotFound, $"No priced session '{id}': it was never started, or pricing has not caught up with it yet.");
            if (view.Status != PricedSessionStatus.Stopped || view.Price is null || view.SiteId is null)
                throw new RequestRefusedException(RefusalKind.Conflict, view.Status switch
                {
                    PricedSessionStatus.Unpriced => $"Session {id} cannot be priced: {view.Problem}",
                    PricedSessionStatus.ClosedForSilence =>
                        $"Session {id} was closed because its charger fell silent; it is invoiced once the charger's own stop arrives.",
                    _ => $"Session {id} is still running; it is invoiced once it has stopped.",
                });
        }

        var sessionTypes = await StoredTypesAsync(views.Select(v => (StreamIds.Session(v.Id), v.Sources.SessionVersion)).ToList(), ct);
        var sites = new Dictionary<string, (SiteEntry Site, SiteJurisdictionResolved Jurisdiction, SourceEvent Source)>();
        var rates = new Dictionary<string, TaxRateTable>();
        var invoiced = new List<InvoicedSession>(sessionIds.Count);
        foreach (var view in sessionIds.Select(id => byId[id]))
        {
            if (!sites.TryGetValue(view.SiteId!, out var site))
            {
                var (jurisdiction, source) = await JurisdictionOfAsync(view.SiteId!, ct);
                sites[view.SiteId!] = site = (await SiteAsync(view.SiteId!, ct), jurisdiction, source);
            }
            var code = site.Jurisdiction.Jurisdiction;
            if (!rates.TryGetValue(code, out var table)) rates[code] = table = await RatesAsync(code, ct);
            var price = view.Price!;
            var supplyDate = InvoiceDrafting.SupplyDateOf(price);
            var rate = table.RateOn(code, supplyDate)
                ?? throw new RequestRefusedException(RefusalKind.Unprocessable,
                    $"No tax rate for {code} on {supplyDate:uuuu-MM-dd} (session {view.Id} at site {view.SiteId}); set one with POST /api/tax-rates.");
            var sessionStream = StreamIds.Session(view.Id);
            List<SourceEvent> sources =
            [
                new(sessionStream, view.Sources.SessionVersion, sessionTypes[(sessionStream, view.Sources.SessionVersion)]),
                .. price.Tariffs.Select(t => new SourceEvent(StreamIds.Tariff(t.TariffId), t.StreamVersion, EventType.StoredNameOf(typeof(Domain.Tariffs.TariffPublished)))),
                site.Source,
                .. rate.SetBy is { } setBy ? [setBy] : Array.Empty<SourceEvent>(),
            ];
            invoiced.Add(new InvoicedSession(view.Id, view.SiteId!, site.Site.Name, price,
                new SupplyTax(code, site.Jurisdiction.CountryCode, rate.Rate.RatePercent), sources));
        }
        return invoiced;
    }

    /// <summary>The stored type of each (stream, version), in one round trip.</summary>
    private async Task<Dictionary<(string Stream, long Version), string>> StoredTypesAsync(
        IReadOnlyList<(string Stream, long Version)> events, CancellationToken ct)
    {
        await using var command = ledger.DataSource.CreateCommand(
            $"select e.stream_id, e.version, e.type from {ledger.Schema}.mt_events e " +
            "join unnest(@streams, @versions) as wanted(stream_id, version) on e.stream_id = wanted.stream_id and e.version = wanted.version");
        command.Parameters.Add(new NpgsqlParameter<string[]>("streams", events.Select(e => e.Stream).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("versions", events.Select(e => e.Version).ToArray()));
        var types = new Dictionary<(string, long), string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) types[(reader.GetString(0), reader.GetInt64(1))] = reader.GetString(2);
        return types;
    }

    private async Task<Issuer> IssuerAsync(string issuerId, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.InvoiceIssuer(issuerId), ct);
        return events.LastOrDefault() is { Data: InvoiceIssuerRegistered registered } e
            ? new Issuer(registered, new SourceEvent(e.StreamId, e.Version, e.StoredType))
            : throw new RequestRefusedException(RefusalKind.NotFound, $"No invoice issuer '{issuerId}' is registered; register it with POST /api/issuers.");
    }

    private async Task<SiteEntry> SiteAsync(string siteId, CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        return await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, $"Site {siteId} is not registered.");
    }

    private static SourceEvent JurisdictionSource(string siteId, long version) =>
        new(StreamIds.Site(siteId), version, EventType.StoredNameOf(typeof(SiteJurisdictionResolved)));

    /// <summary>Appends, at <paramref name="expectedVersion"/> when given.</summary>
    private Task AppendAsync(string stream, long? expectedVersion, IReadOnlyList<object> events, CancellationToken ct)
    {
        var metadata = EventMetadata.NewCorrelation(Finance, clock.GetCurrentInstant());
        return ledger.AppendOrRefuseAsync(new StreamAppend(stream, events.Select(e => new PendingEvent(e, metadata)).ToList(), expectedVersion), ct);
    }

    private sealed record Issuer(InvoiceIssuerRegistered Registration, SourceEvent Source)
    {
        public InvoiceHeader Header(string series, long number, Instant issuedAt, InvoiceParty buyer) =>
            new(Registration.IssuerId, series, number, issuedAt,
                new InvoiceParty(Registration.LegalName, Registration.Address, Registration.CountryCode, Registration.VatId),
                buyer, [Source]);
    }
}
