using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Documents;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Receivables;
using Settlement.Host.Access;
using Settlement.Projections.Receivables;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Receivables;

/// <summary>The receivables API: payments, refunds and write-offs against invoices, bank statements, open items and their ageing.</summary>
public static class ReceivableEndpoints
{
    public const string StatementsRoute = "/api/receivables/bank-statements";

    /// <param name="PaymentId">The caller's id of the payment (e.g. the card acquirer's): a repeat with it records nothing new. A fresh one when left out.</param>
    public sealed record RecordPaymentBody(
        string IssuerId, string InvoiceNumber, decimal Amount, string Currency, LocalDate ValueDate,
        PaymentMethod Method = PaymentMethod.BankTransfer, string? Payer = null, string? PaymentId = null);

    public sealed record RecordRefundBody(
        string IssuerId, string InvoiceNumber, decimal Amount, string Currency, LocalDate ValueDate, string Reason,
        PaymentMethod Method = PaymentMethod.BankTransfer, string? Payee = null, string? RefundId = null);

    /// <param name="Amount">Null writes off all that is open.</param>
    /// <param name="EffectiveOn">The date it leaves the open items; today when left out.</param>
    public sealed record WriteOffBody(string IssuerId, string InvoiceNumber, string Reason, decimal? Amount = null, LocalDate? EffectiveOn = null);

    /// <summary>One invoice's receivable as of a date; <paramref name="DriverRef"/> is the pseudonym of a session invoice's driver.</summary>
    public sealed record OpenItemView(
        string IssuerId, string Number, LocalDate IssueDate, LocalDate DueDate, int DaysPastDue, AgeingBucket Bucket, string Currency,
        decimal AmountDue, decimal Credited, decimal Paid, decimal Refunded, decimal WrittenOff, decimal Open,
        string? Buyer, string? PartnerId, string? SessionId, string? DriverRef, string Href);

    public sealed record AgeingReport(LocalDate AsOf, string By, IReadOnlyList<AgeingRow> Rows);

    public static IEndpointRouteBuilder MapReceivables(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/receivables/payments", async (RecordPaymentBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesIssuerAsync(body.IssuerId, ct) ? NoInvoice(body.IssuerId, body.InvoiceNumber) : Recorded(await mediator.Send(new RecordPayment(
                body.IssuerId, body.InvoiceNumber, body.PaymentId ?? "pay-" + Guid.NewGuid().ToString("N"), body.Amount, body.Currency, body.ValueDate, body.Method, body.Payer), ct)));

        app.MapPost("/api/receivables/refunds", async (RecordRefundBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesIssuerAsync(body.IssuerId, ct) ? NoInvoice(body.IssuerId, body.InvoiceNumber) : Recorded(await mediator.Send(new RecordRefund(
                body.IssuerId, body.InvoiceNumber, body.RefundId ?? "ref-" + Guid.NewGuid().ToString("N"), body.Amount, body.Currency, body.ValueDate, body.Method, body.Payee, body.Reason), ct)));

        app.MapPost("/api/receivables/write-offs", async (WriteOffBody body, OperatorScope scope, IMediator mediator, IClock clock, CancellationToken ct) =>
            !await scope.SeesIssuerAsync(body.IssuerId, ct) ? NoInvoice(body.IssuerId, body.InvoiceNumber) : Recorded(await mediator.Send(new WriteOffInvoice(
                body.IssuerId, body.InvoiceNumber, body.Amount, body.EffectiveOn ?? clock.GetCurrentInstant().InUtc().Date, body.Reason), ct)));

        app.MapPost(StatementsRoute, async (string? issuer, HttpRequest request, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (issuer is null || !Identifiers.IsValid(issuer))
                return Results.BadRequest(new { error = $"issuer: the id of the issuer whose account the statement is of ({Identifiers.Shape}), e.g. ?issuer=SET-DE." });
            if (!await scope.SeesIssuerAsync(issuer, ct)) return Results.NotFound(new { error = $"issuer: no issuer '{issuer}' is registered." });
            if (request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() is not ("application/xml" or "text/xml"))
                return Results.Json(new { error = "content-type: send the camt.053 file as application/xml." }, statusCode: StatusCodes.Status415UnsupportedMediaType);
            var body = new MemoryStream();
            await request.Body.CopyToAsync(body, ct);
            if (body.Length > Camt053.MaxBytes)
                return Results.Json(new { error = $"body: a statement is at most {Camt053.MaxBytes} bytes." }, statusCode: StatusCodes.Status413PayloadTooLarge);
            body.Position = 0;
            var (statement, problems) = Camt053.Parse(body);
            if (statement is null) return new Refusal(RefusalKind.Invalid, problems).ToHttp("The body is not a camt.053 statement this API reads.");
            var decision = await mediator.Send(new ImportBankStatement(issuer, statement), ct);
            return decision.Refusal is { } refusal
                ? refusal.ToHttp()
                : Results.Created($"/api/streams/{StreamIds.BankStatement(statement.AccountIban, statement.StatementId)}", decision.Events.OfType<BankStatementImported>().Single());
        });

        app.MapGet("/api/receivables/open-items", (string? issuer, string? driver, string? partner, string? asOf, int? limit, string? cursor,
            HttpContext context, OperatorScope scope, IClock clock, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!TryDate("asOf", asOf, clock, out var day, out var bad)) return bad!;
            await using var query = ledger.QueryReadModels();
            var items = await VisibleAsync(query, scope, issuer, partner, driver, ct);
            // Settled by the end of the day: no open item then; settled later, it may still have been open.
            var dayKey = LocalDatePattern.Iso.Format(day);
            items = items.Where(i => i.SettledOn == null || i.SettledOn.CompareTo(dayKey) > 0);
            var page = await PagedQueries.PageAsync(items, i => i.SortKey, Paging.After(cursor), Paging.Limit(limit), ct,
                keep: i => i.Receivable.OpenOn(day) != 0m);
            var drivers = await DriversAsync(query, page.Items, ct);
            return Paging.Answer(context, new Page<OpenItemView>([.. page.Items.Select(i => View(i, day, drivers))], page.Next));
        }));

        app.MapGet("/api/receivables/ageing", (string? issuer, string? asOf, string? by, string? format,
            OperatorScope scope, IClock clock, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!TryDate("asOf", asOf, clock, out var day, out var bad)) return bad!;
            if (by is not ("driver" or "partner")) return Results.BadRequest(new { error = $"by: 'driver' or 'partner', not '{by}'." });
            if (format is not (null or "json" or "csv")) return Results.BadRequest(new { error = $"format: 'json' or 'csv', not '{format}'." });
            await using var query = ledger.QueryReadModels();
            var items = await VisibleAsync(query, scope, issuer, partner: null, driver: null, ct);
            items = by == "partner" ? items.Where(i => i.PartnerId != null) : items.Where(i => i.SessionId != null);
            var open = (await items.ToListAsync(ct)).Where(i => i.Receivable.OpenOn(day) != 0m).ToList();
            var drivers = by == "driver" ? await DriversAsync(query, open, ct) : [];
            var rows = Ageing.Of(open.Select(i => (by == "partner" ? i.PartnerId! : drivers.GetValueOrDefault(i.SessionId!) ?? NoDriver, i.Receivable)), day);
            return format == "csv"
                ? Results.File(AgeingCsv.Render(day, by, rows), "text/csv", $"ageing-{by}-{LocalDatePattern.Iso.Format(day)}.csv")
                : Results.Ok(new AgeingReport(day, by, rows));
        }));

        return app;
    }

    /// <summary>The key of sessions started without a driver's token (free vend, a charger's own start).</summary>
    public const string NoDriver = "(no driver)";

    /// <summary>The open items the caller sees, filtered; every receivables list reads through here.</summary>
    private static async Task<IQueryable<OpenItem>> VisibleAsync(IQuerySession query, OperatorScope scope, string? issuer, string? partner, string? driver, CancellationToken ct)
    {
        var items = query.Query<OpenItem>().AsQueryable();
        if (await scope.IssuersAsync(ct) is { } visible)
        {
            var ids = visible.ToArray();
            items = items.Where(i => i.IssuerId.IsOneOf(ids));
        }
        if (issuer is not null) items = items.Where(i => i.IssuerId == issuer);
        if (partner is not null) items = items.Where(i => i.PartnerId == partner);
        if (driver is not null)
        {
            var sessions = (await query.Query<PricedSessionView>().Where(s => s.DriverRef == driver).Select(s => s.Id).ToListAsync(ct)).ToArray();
            items = items.Where(i => i.SessionId!.IsOneOf(sessions));
        }
        return items;
    }

    /// <summary>The driver of each session invoice's session, by session id.</summary>
    private static async Task<Dictionary<string, string?>> DriversAsync(IQuerySession query, IReadOnlyList<OpenItem> items, CancellationToken ct)
    {
        var sessions = items.Select(i => i.SessionId).OfType<string>().Distinct().ToArray();
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var chunk in sessions.Chunk(500))
            foreach (var session in await query.LoadManyAsync<PricedSessionView>(ct, chunk))
                found[session.Id] = session.DriverRef;
        return found;
    }

    private static OpenItemView View(OpenItem item, LocalDate day, IReadOnlyDictionary<string, string?> drivers)
    {
        var then = item.Receivable.AsOf(day);
        var days = Ageing.DaysPastDue(then, day);
        return new OpenItemView(item.IssuerId, then.Number!, then.IssueDate, then.DueDate, days, Ageing.BucketOf(days), then.Currency,
            then.AmountDue, then.Credited, then.Paid, then.Refunded, then.WrittenOff, then.Open, then.BuyerName, then.PartnerId, then.SessionId,
            then.SessionId is null ? null : drivers.GetValueOrDefault(then.SessionId), $"/api/invoices/{item.Id}");
    }

    private static bool TryDate(string name, string? text, IClock clock, out LocalDate day, out IResult? bad)
    {
        bad = null;
        day = clock.GetCurrentInstant().InUtc().Date;
        if (text is null) return true;
        if (LocalDatePattern.Iso.Parse(text) is { Success: true } parsed) return Periods.TryWithin(name, day = parsed.Value, out bad);
        bad = Results.BadRequest(new { error = $"{name}: '{text}' is not a date like 2026-10-31." });
        return false;
    }

    private static IResult NoInvoice(string issuerId, string number) => Results.NotFound(new { error = $"Issuer {issuerId} has no invoice {number}." });

    /// <summary>The event recorded (201), nothing new for a repeat (200), or the refusal.</summary>
    private static IResult Recorded(Decision decision) =>
        decision.Refusal is { } refusal ? refusal.ToHttp()
        : decision.Events.Count == 0 ? Results.Ok(new { recorded = false, why = "Recorded before under the same id." })
        : Results.Created((string?)null, decision.Events.Single());
}
