using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Documents;
using Settlement.Documents.EInvoices;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Host.Access;
using Settlement.Projections.Invoicing;

namespace Settlement.Host.Invoicing;

/// <summary>The finance API: issuers, site jurisdictions, tax rates, invoices, credit notes and period exports.</summary>
public static class InvoiceEndpoints
{
    /// <param name="OperatorId">The top-level operator may register an issuer for a sub-operator; a sub-operator's key registers its own.</param>
    /// <param name="VatId">The one VAT id of an issuer registered in its own country only (the shape before <paramref name="VatRegistrations"/>); give one or the other.</param>
    public sealed record RegisterIssuerBody(
        string IssuerId, string LegalName, string Address, string CountryCode, string? VatId = null, string? OperatorId = null,
        IReadOnlyList<VatRegistration>? VatRegistrations = null, int? PaymentTermsDays = null, PaymentAccount? BankAccount = null);
    /// <param name="Basis">supplyDate or issueDate.</param>
    public sealed record SetTaxPointRuleBody(TaxPointBasis Basis, string Source, int? IssuedWithinDays = null);
    public sealed record OverrideJurisdictionBody(string Jurisdiction, string Reason);
    public sealed record SetTaxRateBody(string Jurisdiction, decimal RatePercent, LocalDate ValidFrom, string Source, LocalDate? ValidThrough = null);
    public sealed record IssueSessionInvoicesBody(string IssuerId, IReadOnlyList<string> SessionIds, InvoiceParty? Buyer = null, string? Series = null);
    public sealed record IssuePartnerInvoicesBody(string IssuerId, string PartnerId, LocalDate From, LocalDate Through, InvoiceParty? Buyer = null, string? Series = null);
    public sealed record IssueCreditNoteBody(string Reason, IReadOnlyList<int>? Lines = null, string? Series = null);

    /// <summary>A document in a listing, with where to fetch it in each format.</summary>
    public sealed record InvoiceSummary(
        string IssuerId, string Number, InvoiceKind Kind, LocalDate IssueDate, string Buyer, string? PartnerId, string Currency,
        decimal TotalNet, decimal TotalVat, decimal TotalGross, string? CreditsInvoice, IReadOnlyList<string> CreditNotes,
        IReadOnlyList<int> CreditedLines, string Href, string? EInvoiceRefusal)
    {
        /// <param name="entry">
        /// Its <see cref="EInvoiceRefusal"/> is why the document has no EN 16931 formats (ubl, cii, facturx), null when it has
        /// them: a list can then offer only the downloads that exist.
        /// </param>
        public static InvoiceSummary Of(InvoiceEntry entry) => new(
            entry.Document.IssuerId, entry.Document.Number, entry.Document.Kind, entry.Document.IssueDate, entry.Document.Buyer.Name,
            entry.Document.PartnerId, entry.Document.Currency, entry.Document.TotalNet, entry.Document.TotalVat, entry.Document.TotalGross,
            entry.Document.CreditsInvoice, entry.CreditNotes, entry.CreditedLines, $"/api/invoices/{entry.Id}", En16931Invoice.Refusal(entry.Document));
    }

    /// <summary>Which documents a list asks for; every field optional, dates inclusive.</summary>
    public sealed record InvoiceFilter(
        string? IssuerId, string? Series, InvoiceKind? Kind, string? PartnerId, string? Jurisdiction, string? SessionId, LocalDate? From, LocalDate? Through);

    /// <summary>
    /// The documents matching the filter after <paramref name="after"/>, in issue order (issuer and number breaking
    /// ties): every invoice list reads through here. Dates, jurisdictions and sessions are inside the documents, so
    /// those filters are applied as the rows are read.
    /// </summary>
    public static async Task<Page<InvoiceEntry>> ListAsync(
        Ledger.Ledger ledger, IReadOnlySet<string>? visibleIssuers, InvoiceFilter filter, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var entries = query.Query<InvoiceEntry>().AsQueryable();
        if (visibleIssuers is not null)
        {
            var issuers = visibleIssuers.ToArray();
            entries = entries.Where(e => e.Document.IssuerId.IsOneOf(issuers));
        }
        if (filter.IssuerId is not null) entries = entries.Where(e => e.Document.IssuerId == filter.IssuerId);
        if (filter.Series is not null) entries = entries.Where(e => e.Document.Series == filter.Series);
        if (filter.Kind is not null) entries = entries.Where(e => e.Document.Kind == filter.Kind);
        if (filter.PartnerId is not null) entries = entries.Where(e => e.Document.PartnerId == filter.PartnerId);
        var inMemory = filter.From is not null || filter.Through is not null || filter.Jurisdiction is not null || filter.SessionId is not null;
        return await PagedQueries.PageAsync(entries, e => e.SortKey, after, limit, ct, inMemory ? e =>
            (filter.From is not { } f || e.Document.IssueDate >= f)
            && (filter.Through is not { } t || e.Document.IssueDate <= t)
            && (filter.Jurisdiction is null || e.Document.Lines.Any(l => l.Jurisdiction == filter.Jurisdiction))
            && (filter.SessionId is null || e.Document.Lines.Any(l => l.SessionId == filter.SessionId)) : null);
    }

    /// <summary>The registered issuers the caller sees (<paramref name="visible"/>, null: all): every issuer list and lookup reads through here.</summary>
    private static IQueryable<IssuerEntry> IssuersQuery(IQuerySession query, IReadOnlySet<string>? visible)
    {
        var issuers = query.Query<IssuerEntry>().Where(i => i.IssuerId != "");
        if (visible is null) return issuers;
        var ids = visible.ToArray();
        return issuers.Where(i => i.IssuerId.IsOneOf(ids));
    }

    public static IEndpointRouteBuilder MapInvoicing(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/issuers", async (RegisterIssuerBody body, OperatorScope scope, InvoiceInputs inputs, IMediator mediator, CancellationToken ct) =>
        {
            // Issuer ids are one namespace: another sub-operator's is taken, and its legal identity is not this key's to change.
            if (!await scope.SeesIssuerAsync(body.IssuerId, ct) && await inputs.IssuerAsync(body.IssuerId, ct) is not null)
                return Results.Conflict(new { error = $"issuerId: '{body.IssuerId}' is taken; choose another id." });
            if (!scope.IsTopLevel && body.OperatorId is { } other && other != scope.OperatorId)
                return Results.NotFound(new { error = $"operatorId: no sub-operator '{other}' among those this key may register issuers for." });
            if (scope.IsTopLevel && body.OperatorId is { } named && !await inputs.SubOperatorRegisteredAsync(named, ct))
                return Results.NotFound(new { error = $"operatorId: no sub-operator '{named}' is registered; register it with POST /api/operators first." });
            if (RegistrationsOf(body) is not { } registrations)
                return Results.UnprocessableEntity(new { error = "Give either vatRegistrations ([{ \"countryCode\": \"DE\", \"vatId\": \"DE300000002\", \"oss\": true }]) or the one vatId of the issuer's own country, not both nor neither." });
            if (body.VatRegistrations is null && VatIds.Validate(body.CountryCode ?? "", body.VatId!) is { } expected)
                return Results.UnprocessableEntity(new { error = $"vatId: {expected}." });
            var decision = await mediator.Send(new RegisterIssuer(body.IssuerId, body.LegalName, body.Address, body.CountryCode!, registrations,
                body.PaymentTermsDays, body.BankAccount, scope.OperatorId ?? body.OperatorId), ct);
            // The registration is the answer; a sub-operator's ownership, recorded beside it, is the caller's own key's doing.
            return decision.Refusal is { } refusal
                ? refusal.ToHttp()
                : Results.Created($"/api/issuers/{body.IssuerId}", decision.Events.OfType<InvoiceIssuerRegisteredV2>().Single());
        });

        app.MapGet("/api/sites/{siteId}/jurisdiction", async (string siteId, OperatorScope scope, InvoiceInputs inputs, CancellationToken ct) =>
        {
            if (!await scope.SeesSiteAsync(siteId, ct)) return NoSite(siteId);
            var found = await inputs.JurisdictionOfAsync(siteId, ct);
            return found.Refusal is { } refusal ? refusal.ToHttp() : Results.Ok(new { jurisdiction = found.Resolved, source = found.Source });
        });

        app.MapPost("/api/sites/{siteId}/jurisdiction", async (string siteId, OverrideJurisdictionBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesSiteAsync(siteId, ct) ? NoSite(siteId) : Recorded($"/api/sites/{siteId}/jurisdiction", await mediator.Send(new OverrideJurisdiction(siteId, body.Jurisdiction, body.Reason), ct)));

        app.MapGet("/api/tax-rates/{jurisdiction}", async (string jurisdiction, string? on, InvoiceInputs inputs, CancellationToken ct) =>
        {
            var table = await inputs.RatesAsync(jurisdiction, ct);
            if (on is null) return Results.Ok(table.For(jurisdiction));
            if (LocalDatePattern.Iso.Parse(on) is not { Success: true } date)
                return Results.BadRequest(new { error = $"on '{on}' is not a date like 2020-07-01." });
            return table.RateOn(jurisdiction, date.Value) is { } rate
                ? Results.Ok(rate)
                : Results.NotFound(new { error = $"No tax rate for {jurisdiction} on {on}." });
        });

        // A jurisdiction's rates apply to every sub-operator's sites in it: only the top-level operator sets them.
        app.MapPost("/api/tax-rates", async (SetTaxRateBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            scope.TopLevelOnly("set tax rates, which every sub-operator's invoices in the jurisdiction apply") ?? Recorded($"/api/tax-rates/{body.Jurisdiction}",
                await mediator.Send(new SetTaxRate(body.Jurisdiction, body.RatePercent, body.ValidFrom, body.ValidThrough, body.Source), ct)));

        app.MapGet("/api/tax-point-rules/{jurisdiction}", async (string jurisdiction, InvoiceInputs inputs, CancellationToken ct) =>
            !System.Text.RegularExpressions.Regex.IsMatch(jurisdiction, "^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
                ? Results.BadRequest(new { error = $"jurisdiction: an ISO 3166-1 country (\"PL\") or ISO 3166-2 subdivision (\"US-CO\")." })
            : (await inputs.TaxPointRulesAsync([jurisdiction], ct)).For(jurisdiction) is { } rule
                ? Results.Ok(rule)
                : Results.NotFound(new { error = $"No tax point rule is recorded nor built in for {jurisdiction}: its invoices are taxed on the supply date and say so; record one with PUT /api/tax-point-rules/{jurisdiction}." }));

        // A jurisdiction's tax point is law for every sub-operator's invoices there: only the top-level operator sets it.
        app.MapPut("/api/tax-point-rules/{jurisdiction}", async (string jurisdiction, SetTaxPointRuleBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            scope.TopLevelOnly("set tax point rules, which every sub-operator's invoices in the jurisdiction apply") ?? Recorded($"/api/tax-point-rules/{jurisdiction}",
                await mediator.Send(new SetTaxPointRule(jurisdiction, body.Basis, body.IssuedWithinDays, body.Source), ct)));

        app.MapPost("/api/invoices/sessions", async (IssueSessionInvoicesBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (!await scope.SeesIssuerAsync(body.IssuerId, ct)) return NoIssuer(body.IssuerId);
            foreach (var sessionId in body.SessionIds ?? [])
                if (!await scope.SeesSessionAsync(sessionId, ct))
                    return Results.NotFound(new { error = $"No priced session '{sessionId}': it was never started, or pricing has not caught up with it yet." });
            return Issued(await mediator.Send(new IssueSessionInvoices(body.IssuerId, body.SessionIds ?? [], body.Buyer, body.Series ?? InvoiceSeries.Sessions), ct));
        });

        app.MapPost("/api/invoices/partners", async (IssuePartnerInvoicesBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesIssuerAsync(body.IssuerId, ct) ? NoIssuer(body.IssuerId) : Issued(await mediator.Send(new IssuePartnerInvoices(
                body.IssuerId, body.PartnerId, body.From, body.Through, body.Buyer, body.Series ?? InvoiceSeries.Partners), ct)));

        app.MapPost("/api/invoices/{issuerId}/{number}/credit-notes", async (string issuerId, string number, IssueCreditNoteBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesIssuerAsync(issuerId, ct) ? NoDocument(issuerId, number) : Issued(await mediator.Send(new IssueCreditNote(issuerId, number, body.Lines, body.Reason, body.Series ?? InvoiceSeries.CreditNotes), ct)));

        app.MapGet("/api/invoices", (string? issuer, string? series, InvoiceKind? kind, string? partner, string? jurisdiction, string? session,
            string? from, string? through, int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryOptional(from, through, out var period, out var bad)) return bad!;
            var filter = new InvoiceFilter(issuer, series, kind, partner, jurisdiction, session, period.From, period.Through);
            var page = await ListAsync(ledger, await scope.IssuersAsync(ct), filter, Paging.After(cursor), Paging.Limit(limit), ct);
            return Paging.Answer(context, new Page<InvoiceSummary>([.. page.Items.Select(InvoiceSummary.Of)], page.Next));
        }));

        app.MapGet("/api/issuers", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            await using var query = ledger.QueryReadModels();
            return Paging.Answer(context, await PagedQueries.PageAsync(IssuersQuery(query, await scope.IssuersAsync(ct)), i => i.IssuerId, Paging.After(cursor), Paging.Limit(limit), ct));
        }));

        app.MapGet("/api/issuers/{issuerId}", async (string issuerId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            return await IssuersQuery(query, await scope.IssuersAsync(ct)).Where(i => i.IssuerId == issuerId).SingleOrDefaultAsync(ct) is { } found
                ? Results.Ok(found)
                : new Refusal(RefusalKind.NotFound, [$"No issuer {issuerId} is registered."]).ToHttp();
        });

        app.MapGet("/api/invoices/{issuerId}/{number}", async (string issuerId, string number, string? format, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            if (!await scope.SeesIssuerAsync(issuerId, ct) || await query.LoadAsync<InvoiceEntry>(InvoiceEntry.KeyOf(issuerId, number), ct) is not { } entry)
                return NoDocument(issuerId, number);
            var document = entry.Document;
            var chosen = (format ?? "json").ToLowerInvariant();
            // A US sales tax document is no EN 16931 document: say so rather than serve XML that claims to be one.
            if (chosen is "ubl" or "cii" or "facturx" && En16931Invoice.Refusal(document) is { } notEn16931)
                return Results.UnprocessableEntity(new { error = $"format: {notEn16931}" });
            return chosen switch
            {
                "json" => Results.File(InvoiceJson.Render(document), "application/json", $"{number}.json"),
                "pdf" => Results.File(InvoicePdf.Render(document), "application/pdf", $"{number}.pdf"),
                "csv" => Results.File(InvoiceCsv.Render(document), "text/csv", $"{number}.csv"),
                "ubl" => Results.File(UblInvoice.Render(document), "application/xml", $"{number}.ubl.xml"),
                "cii" => Results.File(CiiInvoice.Render(document), "application/xml", $"{number}.cii.xml"),
                "facturx" => Results.File(FacturXPdf.Render(document), "application/pdf", $"{number}.facturx.pdf"),
                _ => Results.BadRequest(new { error = $"format '{format}' is not one of json, pdf, csv, ubl, cii, facturx." }),
            };
        });

        app.MapGet("/api/exports/journal", async (string? issuer, string? from, string? through, string? basis, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            if (BasisOf(basis) is not { } by) return BadBasis(basis);
            var documents = await DocumentsAsync(ledger, issuer, await scope.IssuersAsync(ct), ct);
            return Results.File(JournalCsv.Render(Journal.For(documents.Documents, period.From, period.Through, by)), "text/csv",
                $"journal-{from}-{through}.csv");
        });

        app.MapGet("/api/exports/vat", async (string? issuer, string? from, string? through, string? format, string? basis, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            if (BasisOf(basis) is not { } by) return BadBasis(basis);
            var (documents, asOf) = await DocumentsAsync(ledger, issuer, await scope.IssuersAsync(ct), ct);
            var report = VatReport.For(documents, period.From, period.Through, by, asOf);
            return (format ?? "csv").ToLowerInvariant() switch
            {
                "csv" => Results.File(VatReportCsv.Render(report), "text/csv", $"vat-{from}-{through}.csv"),
                "json" => Results.File(VatReportJson.Render(report), "application/json", $"vat-{from}-{through}.json"),
                _ => Results.BadRequest(new { error = $"format '{format}' is not one of csv, json." }),
            };
        });

        return app;
    }

    /// <summary>
    /// The documents of the issuer (every issuer when none is named), among <paramref name="seen"/> when the caller sees only
    /// some, and the ledger position they include every document up to: read first, and the register is inline, so
    /// nothing issued at or before it is missing (a document issued meanwhile may be included too).
    /// </summary>
    private static async Task<(IReadOnlyList<InvoiceDocument> Documents, LedgerPosition AsOf)> DocumentsAsync(
        Ledger.Ledger ledger, string? issuer, IReadOnlySet<string>? seen, CancellationToken ct)
    {
        var asOf = new LedgerPosition(await ledger.LastPositionAsync(ct), SystemClock.Instance.GetCurrentInstant());
        await using var query = ledger.QueryReadModels();
        var entries = query.Query<InvoiceEntry>().AsQueryable();
        if (seen is not null) entries = entries.Where(e => e.Document.IssuerId.IsOneOf(seen.ToArray()));
        if (issuer is not null) entries = entries.Where(e => e.Document.IssuerId == issuer);
        return ((await entries.ToListAsync(ct)).Select(e => e.Document).ToList(), asOf);
    }

    /// <summary>The registrations the body gives, the legacy vatId as its own country's; null when it gives both or neither.</summary>
    private static IReadOnlyList<VatRegistration>? RegistrationsOf(RegisterIssuerBody body) => (body.VatRegistrations, body.VatId) switch
    {
        ({ } registrations, null) => registrations,
        (null, { } vatId) => [new VatRegistration(body.CountryCode ?? "", vatId)],
        _ => null,
    };

    private static ReportingBasis? BasisOf(string? basis) => basis switch
    {
        null or "taxPoint" => ReportingBasis.TaxPoint,
        "issueDate" => ReportingBasis.IssueDate,
        _ => null,
    };

    private static IResult BadBasis(string? basis) =>
        Results.BadRequest(new { error = $"basis '{basis}' is not one of taxPoint (the default: by the lines' tax point), issueDate." });

    private static IResult NoSite(string siteId) => Results.NotFound(new { error = $"Site {siteId} is not registered." });

    private static IResult NoIssuer(string issuerId) => Results.NotFound(new { error = $"No issuer '{issuerId}' is registered; register it with POST /api/issuers." });

    private static IResult NoDocument(string issuerId, string number) => Results.NotFound(new { error = $"Issuer {issuerId} has no document {number}." });

    private static IResult Issued(Decision decision)
    {
        if (decision.Refusal is { } refusal) return refusal.ToHttp();
        var documents = InvoiceIssuing.DocumentsOf(decision);
        return Results.Created(documents.Count == 1 ? $"/api/invoices/{InvoiceEntry.KeyOf(documents[0].IssuerId, documents[0].Number)}" : "/api/invoices", documents);
    }

    /// <summary>The one event recorded, or the refusal.</summary>
    private static IResult Recorded(string location, Decision decision) =>
        decision.Refusal is { } refusal ? refusal.ToHttp() : Results.Created(location, decision.Events.Single());
}
