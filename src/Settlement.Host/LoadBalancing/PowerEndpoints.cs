using System.ComponentModel.DataAnnotations;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;
using Settlement.Domain.LoadBalancing;
using Settlement.Host.Access;
using Settlement.Ledger;

namespace Settlement.Host.LoadBalancing;

/// <summary>
/// A site's power: its model (circuits, EVSEs, battery, policy), the grid's signals and the battery's reports, which
/// the balancer shares the site's power by; its live allocations, their history and replay; and the month's power report.
/// Every route is site-scoped: a sub-operator's key sees only its own sites, and any other answers 404.
/// </summary>
public static class PowerEndpoints
{
    public sealed record PowerModelBody(
        int NominalVoltage,
        [property: MaxLength(PowerModelIds.MaxCircuits)] IReadOnlyList<PowerCircuit> Circuits,
        [property: MaxLength(PowerModelIds.MaxEvses)] IReadOnlyList<BalancedEvse> Evses,
        BalancingPolicy Policy,
        SiteBattery? Battery = null);

    /// <summary>Without <see cref="CircuitId"/> the signal caps the grid connection; an outage has no cap.</summary>
    public sealed record GridSignalBody(
        string SignalId, GridSignalKind Kind, Instant From, Instant Until, string? CircuitId = null, decimal? CapPercent = null, decimal? CapKw = null,
        string? Source = null);

    public sealed record BatteryStateBody(decimal StateOfChargePercent);

    /// <summary>The power model in force and the version of the power stream that defined it (decisions name it).</summary>
    public sealed record PowerModelView(
        string SiteId, long ModelVersion, int NominalVoltage, IReadOnlyList<PowerCircuit> Circuits, IReadOnlyList<BalancedEvse> Evses,
        SiteBattery? Battery, BalancingPolicy Policy, Instant DefinedAt, decimal? BatteryStateOfChargePercent);

    /// <summary>A grid signal as issued; <see cref="Until"/> is when it ends, its withdrawal if it was withdrawn (<see cref="WithdrawnAt"/>).</summary>
    public sealed record GridSignalView(
        string SignalId, GridSignalKind Kind, string? CircuitId, decimal? CapPercent, decimal? CapKw, Instant From, Instant Until,
        string? Source, Instant IssuedAt, Instant? WithdrawnAt);

    public sealed record BatteryStateView(string SiteId, decimal StateOfChargePercent, Instant ReportedAt);

    public static IEndpointRouteBuilder MapPower(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/sites/{siteId}/power-model", (string siteId, PowerModelBody body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger,
            CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
        {
            var command = new DefineSitePowerModel(siteId, body.NominalVoltage, body.Circuits ?? [], body.Evses ?? [], body.Battery, body.Policy);
            if (await mediator.Send(new DefinePowerModelCommand(command), ct) is { Refusal: { } refusal })
                return refusal.ToHttp($"The power model of site {siteId} was not defined.");
            return await ModelAsync(ledger, siteId, ct) is { } model ? Results.Ok(model) : Results.NotFound();
        }));

        app.MapGet("/api/sites/{siteId}/power-model", (string siteId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, siteId, ct, async () => await ModelAsync(ledger, siteId, ct) is { } model
                ? Results.Ok(model)
                : new Refusal(RefusalKind.NotFound, [$"Site {siteId} has no power model; define it with PUT /api/sites/{siteId}/power-model."]).ToHttp()));

        app.MapPost("/api/sites/{siteId}/grid-signals", (string siteId, GridSignalBody body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger,
            CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
        {
            var command = new IssueGridSignal(siteId, body.SignalId, body.Kind, body.CircuitId, body.CapPercent, body.CapKw, body.From, body.Until, body.Source);
            var decision = await mediator.Send(new IssueGridSignalCommand(command), ct);
            if (decision.Refusal is { } refusal) return refusal.ToHttp($"Signal {body.SignalId} was not issued.");
            var signal = (await SignalsAsync(ledger, siteId, ct)).Single(s => s.SignalId == body.SignalId);
            // A repeat of a signal already issued with the same values records nothing: 200, not 201.
            return decision.Events.Count == 0 ? Results.Ok(signal) : Results.Created($"/api/sites/{siteId}/grid-signals", signal);
        }));

        app.MapGet("/api/sites/{siteId}/grid-signals", (string siteId, bool? all, int? limit, string? cursor, HttpContext context, OperatorScope scope,
            Ledger.Ledger ledger, IClock clock, CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
        {
            var now = clock.GetCurrentInstant();
            // A signal withdrawn before it began ends where it starts: it is neither in force nor ahead.
            var signals = (await SignalsAsync(ledger, siteId, ct)).Where(s => all == true || s.Until > Instant.Max(now, s.From));
            var after = Paging.After(cursor);
            var page = Paging.Of([.. signals.OrderByDescending(SignalKey, StringComparer.Ordinal)
                .Where(s => after is null || string.CompareOrdinal(SignalKey(s), after) < 0).Take(Paging.Limit(limit) + 1)], Paging.Limit(limit), SignalKey);
            return Paging.Answer(context, page);
        }));

        app.MapPost("/api/sites/{siteId}/grid-signals/{signalId}/withdraw", (string siteId, string signalId, OperatorScope scope, IMediator mediator,
            Ledger.Ledger ledger, CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
            await mediator.Send(new WithdrawGridSignalCommand(new WithdrawGridSignal(siteId, signalId)), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp($"Signal {signalId} was not withdrawn.")
                : Results.Ok((await SignalsAsync(ledger, siteId, ct)).Single(s => s.SignalId == signalId))));

        app.MapPost("/api/sites/{siteId}/battery-state", (string siteId, BatteryStateBody body, OperatorScope scope, IMediator mediator,
            CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
        {
            var decision = await mediator.Send(new ReportBatteryStateCommand(new ReportBatteryState(siteId, body.StateOfChargePercent)), ct);
            if (decision.Refusal is { } refusal) return refusal.ToHttp($"The battery state of site {siteId} was not recorded.");
            var reported = (BatteryStateReported)decision.Events.Single();
            return Results.Created($"/api/sites/{siteId}/power-model", new BatteryStateView(siteId, reported.StateOfChargePercent, reported.ReportedAt));
        }));

        app.MapGet("/api/sites/{siteId}/allocations", (string siteId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, siteId, ct, async () => Results.Ok(await AllocationViews.LiveAsync(ledger, siteId, ct))));

        app.MapGet("/api/sites/{siteId}/allocations/history", (string siteId, string? from, string? to, int? limit, string? cursor, HttpContext context,
            OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
            Paging.Answer(context, await AllocationViews.HistoryAsync(ledger, siteId, InstantOrNull("from", from), InstantOrNull("to", to),
                Paging.After(cursor), Paging.Limit(limit), ct))));

        app.MapGet("/api/sites/{siteId}/allocations/history/{version:long}/replay", (string siteId, long version, OperatorScope scope, Ledger.Ledger ledger,
            CancellationToken ct) => Scoped(scope, siteId, ct, async () => await AllocationViews.ReplayAsync(ledger, siteId, version, ct) is { } replay
            ? Results.Ok(replay)
            : new Refusal(RefusalKind.NotFound, [$"Site {siteId} has no allocation decision at version {version}."]).ToHttp()));

        app.MapGet("/api/sites/{siteId}/power-report", (string siteId, string? month, string? format, OperatorScope scope, Ledger.Ledger ledger,
            CancellationToken ct) => Scoped(scope, siteId, ct, async () =>
        {
            if (month is null) return Results.BadRequest(new { error = "month: the month to report on, such as month=2026-11." });
            if (!Periods.TryMonth("month", month, out var yearMonth, out var bad)) return bad!;
            if (format is not (null or "json" or "csv")) return Results.BadRequest(new { error = $"format: json (the default) or csv, not {format}." });
            if (await PowerReports.ComputeAsync(ledger, siteId, yearMonth, ct) is not { } report)
                return new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered."]).ToHttp();
            return format == "csv"
                ? Results.File(PowerReports.Csv(siteId, report), "text/csv", $"power-{siteId}-{YearMonthPattern.Iso.Format(yearMonth)}.csv")
                : Results.Ok(report);
        }));
        return app;
    }

    /// <summary>Signals newest first by when they start; the id breaks ties.</summary>
    private static string SignalKey(GridSignalView s) => $"{Projections.SortKeys.Of(s.From)}|{s.SignalId}";

    /// <summary>The action for a site the caller sees; any other is answered as not registered, so ids cannot be confirmed by guessing.</summary>
    private static async Task<IResult> Scoped(OperatorScope scope, string siteId, CancellationToken ct, Func<Task<IResult>> action) =>
        await scope.SeesSiteAsync(siteId, ct)
            ? await Refusals.Answer(action)
            : new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered; register it with POST /api/sites."]).ToHttp();

    public static async Task<PowerModelView?> ModelAsync(Ledger.Ledger ledger, string siteId, CancellationToken ct)
    {
        var events = await ledger.ReadStreamAsync(Domain.Events.StreamIds.SitePower(siteId), ct);
        var state = SitePowerReads.Fold(events);
        if (state.Model is not { } model || events.FirstOrDefault(e => e.Version == state.ModelVersion)?.Data is not SitePowerModelDefined defined) return null;
        return new PowerModelView(siteId, state.ModelVersion, model.NominalVoltage, model.Circuits, model.Evses, model.Battery, model.Policy, defined.DefinedAt,
            state.BatteryStateOfChargePercent);
    }

    /// <summary>Every signal of the site as issued, with its withdrawal.</summary>
    public static async Task<IReadOnlyList<GridSignalView>> SignalsAsync(Ledger.Ledger ledger, string siteId, CancellationToken ct)
    {
        var events = await ledger.ReadStreamAsync(Domain.Events.StreamIds.SitePower(siteId), ct);
        var state = SitePowerReads.Fold(events);
        var withdrawals = events.Select(e => e.Data).OfType<GridSignalWithdrawn>().GroupBy(w => w.SignalId).ToDictionary(g => g.Key, g => g.First().WithdrawnAt);
        return
        [
            .. events.Select(e => e.Data).OfType<GridSignalIssued>().Select(i => new GridSignalView(i.SignalId, i.Kind, i.CircuitId, i.CapPercent, i.CapKw,
                i.From, state.Signals[i.SignalId].Until, i.Source, i.IssuedAt, withdrawals.TryGetValue(i.SignalId, out var at) ? at : null)),
        ];
    }

    private static Instant? InstantOrNull(string name, string? text) =>
        text is null ? null
        : InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value
        : throw new RequestRefusedException(RefusalKind.Invalid, $"{name}: an instant in UTC such as 2026-11-01T00:00:00Z, not {text}.");
}
