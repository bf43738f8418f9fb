using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Documents;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Projections.Invoicing;

namespace Settlement.Host.Invoicing;

/// <summary>The finance API: issuers, site jurisdictions, tax rates, invoices, credit notes and period exports.</summary>
public static class InvoiceEndpoints
{
    public sealed record RegisterIssuerBody(string IssuerId, string LegalName, string Address, string CountryCode, string VatId);
    public sealed record OverrideJurisdictionBody(string Jurisdiction, string Reason);
    public sealed record SetTaxRateBody(string Jurisdiction, decimal RatePercent, LocalDate ValidFrom, string Source, LocalDate? ValidThrough = null);
    public sealed record IssueSessionInvoicesBody(string IssuerId, IReadOnlyList<string> SessionIds, InvoiceParty? Buyer = null, string? Series = null);
    public sealed record IssuePartnerInvoicesBody(string IssuerId, string PartnerId, LocalDate From, LocalDate Through, InvoiceParty? Buyer = null, string? Series = null);
    public sealed record IssueCreditNoteBody(string Reason, IReadOnlyList<int>? Lines = null, string? Series = null);

    /// <summary>A document in a listing, with where to fetch it in each format.</summary>
    public sealed record InvoiceSummary(
        string IssuerId, string Number, InvoiceKind Kind, LocalDate IssueDate, string Buyer, string? PartnerId, string Currency,
        decimal TotalNet, decimal TotalVat, decimal TotalGross, string? CreditsInvoice, IReadOnlyList<string> CreditNotes,
        IReadOnlyList<int> CreditedLines, string Href)
    {
        public static InvoiceSummary Of(InvoiceEntry entry) => new(
            entry.Document.IssuerId, entry.Document.Number, entry.Document.Kind, entry.Document.IssueDate, entry.Document.Buyer.Name,
            entry.Document.PartnerId, entry.Document.Currency, entry.Document.TotalNet, entry.Document.TotalVat, entry.Document.TotalGross,
            entry.Document.CreditsInvoice, entry.CreditNotes, entry.CreditedLines, $"/api/invoices/{entry.Id}");
    }

    /// <summary>Which documents a list asks for; every field optional, dates inclusive.</summary>
    public sealed record InvoiceFilter(
        string? IssuerId, string? Series, InvoiceKind? Kind, string? PartnerId, string? Jurisdiction, string? SessionId, LocalDate? From, LocalDate? Through);

    /// <summary>
    /// The documents matching the filter after <paramref name="after"/>, in issue order (issuer and number breaking
    /// ties): every invoice list reads through here. Dates, jurisdictions and sessions are inside the documents, so
    /// those filters are applied as the rows are read.
    /// </summary>
    public static async Task<Page<InvoiceEntry>> ListAsync(Ledger.Ledger ledger, InvoiceFilter filter, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var entries = query.Query<InvoiceEntry>().AsQueryable();
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

    /// <summary>The registered issuers: every issuer list and lookup reads through here.</summary>
    private static IQueryable<IssuerEntry> IssuersQuery(IQuerySession query) => query.Query<IssuerEntry>().Where(i => i.IssuerId != "");

    public static IEndpointRouteBuilder MapInvoicing(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/issuers", async (RegisterIssuerBody body, IMediator mediator, CancellationToken ct) =>
            Recorded($"/api/issuers/{body.IssuerId}",
                await mediator.Send(new RegisterIssuer(body.IssuerId, body.LegalName, body.Address, body.CountryCode, body.VatId), ct)));

        app.MapGet("/api/sites/{siteId}/jurisdiction", async (string siteId, InvoiceInputs inputs, CancellationToken ct) =>
        {
            var found = await inputs.JurisdictionOfAsync(siteId, ct);
            return found.Refusal is { } refusal ? refusal.ToHttp() : Results.Ok(new { jurisdiction = found.Resolved, source = found.Source });
        });

        app.MapPost("/api/sites/{siteId}/jurisdiction", async (string siteId, OverrideJurisdictionBody body, IMediator mediator, CancellationToken ct) =>
            Recorded($"/api/sites/{siteId}/jurisdiction", await mediator.Send(new OverrideJurisdiction(siteId, body.Jurisdiction, body.Reason), ct)));

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

        app.MapPost("/api/tax-rates", async (SetTaxRateBody body, IMediator mediator, CancellationToken ct) =>
            Recorded($"/api/tax-rates/{body.Jurisdiction}",
                await mediator.Send(new SetTaxRate(body.Jurisdiction, body.RatePercent, body.ValidFrom, body.ValidThrough, body.Source), ct)));

        app.MapPost("/api/invoices/sessions", async (IssueSessionInvoicesBody body, IMediator mediator, CancellationToken ct) =>
            Issued(await mediator.Send(new IssueSessionInvoices(body.IssuerId, body.SessionIds ?? [], body.Buyer, body.Series ?? InvoiceSeries.Sessions), ct)));

        app.MapPost("/api/invoices/partners", async (IssuePartnerInvoicesBody body, IMediator mediator, CancellationToken ct) =>
            Issued(await mediator.Send(new IssuePartnerInvoices(
                body.IssuerId, body.PartnerId, body.From, body.Through, body.Buyer, body.Series ?? InvoiceSeries.Partners), ct)));

        app.MapPost("/api/invoices/{issuerId}/{number}/credit-notes", async (string issuerId, string number, IssueCreditNoteBody body, IMediator mediator, CancellationToken ct) =>
            Issued(await mediator.Send(new IssueCreditNote(issuerId, number, body.Lines, body.Reason, body.Series ?? InvoiceSeries.CreditNotes), ct)));

        app.MapGet("/api/invoices", (string? issuer, string? series, InvoiceKind? kind, string? partner, string? jurisdiction, string? session,
            string? from, string? through, int? limit, string? cursor, HttpContext context, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryOptional(from, through, out var period, out var bad)) return bad!;
            var filter = new InvoiceFilter(issuer, series, kind, partner, jurisdiction, session, period.From, period.Through);
            var page = await ListAsync(ledger, filter, Paging.After(cursor), Paging.Limit(limit), ct);
            return Paging.Answer(context, new Page<InvoiceSummary>([.. page.Items.Select(InvoiceSummary.Of)], page.Next));
        }));

        app.MapGet("/api/issuers", (int? limit, string? cursor, HttpContext context, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            await using var query = ledger.QueryReadModels();
            return Paging.Answer(context, await PagedQueries.PageAsync(IssuersQuery(query), i => i.IssuerId, Paging.After(cursor), Paging.Limit(limit), ct));
        }));

        app.MapGet("/api/issuers/{issuerId}", async (string issuerId, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            return await IssuersQuery(query).Where(i => i.IssuerId == issuerId).SingleOrDefaultAsync(ct) is { } found
                ? Results.Ok(found)
                : new Refusal(RefusalKind.NotFound, [$"No issuer {issuerId} is registered."]).ToHttp();
        });

        app.MapGet("/api/invoices/{issuerId}/{number}", async (string issuerId, string number, string? format, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            if (await query.LoadAsync<InvoiceEntry>(InvoiceEntry.KeyOf(issuerId, number), ct) is not { } entry)
                return Results.NotFound(new { error = $"Issuer {issuerId} has no document {number}." });
            var document = entry.Document;
            return (format ?? "json").ToLowerInvariant() switch
            {
                "json" => Results.File(InvoiceJson.Render(document), "application/json", $"{number}.json"),
                "pdf" => Results.File(InvoicePdf.Render(document), "application/pdf", $"{number}.pdf"),
                "csv" => Results.File(InvoiceCsv.Render(document), "text/csv", $"{number}.csv"),
                _ => Results.BadRequest(new { error = $"format '{format}' is not one of json, pdf, csv." }),
            };
        });

        app.MapGet("/api/exports/journal", async (string? issuer, string? from, string? through, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            var documents = await DocumentsAsync(ledger, issuer, ct);
            return Results.File(JournalCsv.Render(Journal.For(documents, period.From, period.Through)), "text/csv",
                $"journal-{from}-{through}.csv");
        });

        app.MapGet("/api/exports/vat", async (string? issuer, string? from, string? through, string? format, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            var report = VatReport.For(await DocumentsAsync(ledger, issuer, ct), period.From, period.Through);
            return (format ?? "csv").ToLowerInvariant() switch
            {
                "csv" => Results.File(VatReportCsv.Render(report), "text/csv", $"vat-{from}-{through}.csv"),
                "json" => Results.File(VatReportJson.Render(report), "application/json", $"vat-{from}-{through}.json"),
                _ => Results.BadRequest(new { error = $"format '{format}' is not one of csv, json." }),
            };
        });

        return app;
    }

    private static async Task<IReadOnlyList<InvoiceDocument>> DocumentsAsync(Ledger.Ledger ledger, string? issuer, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var entries = query.Query<InvoiceEntry>().AsQueryable();
        if (issuer is not null) entries = entries.Where(e => e.Document.IssuerId == issuer);
        return (await entries.ToListAsync(ct)).Select(e => e.Document).ToList();
    }

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
