using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Projections.Firmware;

namespace Settlement.Host.Firmware;

/// <summary>
/// Staged firmware rollouts: create one (the plan is resolved at once and answered), list them, follow one's progress
/// and history, and pause, resume or abort it; the <see cref="RolloutRunner"/> does the rest. A sub-operator's keys
/// see and act on only rollouts all of whose chargers are on its own sites, and create only such rollouts; any other
/// answers 404, as if it did not exist.
/// </summary>
public static class RolloutEndpoints
{
    public sealed record ReasonBody(string Reason);

    /// <summary>One event of a rollout's history, as recorded.</summary>
    public sealed record RolloutHistoryEntry(long Version, string Type, object Data, string Actor, NodaTime.Instant RecordedAt);

    public static IEndpointRouteBuilder MapFirmwareRollouts(this IEndpointRouteBuilder app)
    {
        const string rollouts = "/api/firmware/rollouts";

        app.MapPost(rollouts, async (CreateRolloutBody body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var (plan, problems) = RolloutRequest.From(body, "ro-" + Guid.NewGuid().ToString("N")[..20]);
            if (plan is null) return new Refusal(RefusalKind.Invalid, problems).ToHttp("The rollout was not planned.");
            var decision = await mediator.Send(new PlanRolloutCommand(plan, await scope.SitesAsync(ct)), ct);
            if (decision.Refusal is { } refusal) return refusal.ToHttp($"Rollout {plan.RolloutId} was not planned.");
            var view = await ViewAsync(ledger, plan.RolloutId, ct);
            return Results.Created($"/api/firmware/rollouts/{plan.RolloutId}", view);
        });

        app.MapGet(rollouts, (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                var sites = await scope.SitesAsync(ct);
                await using var query = ledger.QueryReadModels();
                var page = await PagedQueries.PageAsync(query.Query<RolloutEntry>(), r => r.SortKey, Paging.After(cursor), Paging.Limit(limit), ct,
                    keep: sites is null ? null : r => SeenBy(r, sites));
                return Paging.Answer(context, page);
            }));

        app.MapGet(rollouts + "/{rolloutId}", (string rolloutId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, ledger, rolloutId, ct, view => Task.FromResult(Results.Ok(view))));

        app.MapGet(rollouts + "/{rolloutId}/history", (string rolloutId, int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger,
            CancellationToken ct) => Scoped(scope, ledger, rolloutId, ct, async _ =>
        {
            var after = 0L;
            if (Paging.After(cursor) is { } key && !long.TryParse(key, System.Globalization.CultureInfo.InvariantCulture, out after))
                return Results.BadRequest(new { error = "cursor: pass back the 'next' value of the previous page unchanged." });
            var size = Paging.Limit(limit);
            var events = await ledger.ReadStreamAsync(StreamIds.Rollout(rolloutId), ct);
            var entries = events.Where(e => e.Version > after).Take(size + 1)
                .Select(e => new RolloutHistoryEntry(e.Version, e.Data.GetType().Name, e.Data, e.Metadata.Actor.ToString(), e.RecordedAt)).ToList();
            // Versions sort as numbers, not text: the cursor carries the number, the page is cut here.
            return Paging.Answer(context, Paging.Of(entries, size, e => e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }));

        app.MapPost(rollouts + "/{rolloutId}/pause", (string rolloutId, ReasonBody body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, ledger, rolloutId, ct, _ => ControlAsync(mediator, ledger, new ControlRolloutCommand(rolloutId, RolloutControl.Pause, body.Reason), ct)));
        app.MapPost(rollouts + "/{rolloutId}/resume", (string rolloutId, ReasonBody? body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, ledger, rolloutId, ct, _ => ControlAsync(mediator, ledger, new ControlRolloutCommand(rolloutId, RolloutControl.Resume, body?.Reason), ct)));
        app.MapPost(rollouts + "/{rolloutId}/abort", (string rolloutId, ReasonBody body, OperatorScope scope, IMediator mediator, Ledger.Ledger ledger, CancellationToken ct) =>
            Scoped(scope, ledger, rolloutId, ct, _ => ControlAsync(mediator, ledger, new ControlRolloutCommand(rolloutId, RolloutControl.Abort, body.Reason), ct)));
        return app;
    }

    private static async Task<IResult> ControlAsync(IMediator mediator, Ledger.Ledger ledger, ControlRolloutCommand command, CancellationToken ct)
    {
        if (await mediator.Send(command, ct) is { Refusal: { } refusal })
            return refusal.ToHttp($"Rollout {command.RolloutId} was not {command.Control.ToString().ToLowerInvariant()}d.");
        return Results.Ok(await ViewAsync(ledger, command.RolloutId, ct));
    }

    /// <summary>The rollout as its inline read model has it, which a command's append has updated by the time it returns.</summary>
    public static async Task<RolloutEntry?> ViewAsync(Ledger.Ledger ledger, string rolloutId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<RolloutEntry>(rolloutId, ct);
    }

    /// <summary>A sub-operator sees a rollout only when every one of its chargers is on one of its sites.</summary>
    private static bool SeenBy(RolloutEntry rollout, IReadOnlySet<string> sites) => rollout.Chargers.All(c => sites.Contains(c.SiteId));

    /// <summary>The action on a rollout the caller sees; any other is answered as unknown, so ids cannot be confirmed by guessing.</summary>
    private static Task<IResult> Scoped(OperatorScope scope, Ledger.Ledger ledger, string rolloutId, CancellationToken ct, Func<RolloutEntry, Task<IResult>> action) =>
        Refusals.Answer(async () =>
        {
            var view = await ViewAsync(ledger, rolloutId, ct);
            var sites = view is null ? null : await scope.SitesAsync(ct);
            if (view is null || sites is not null && !SeenBy(view, sites))
                return new Refusal(RefusalKind.NotFound, [$"No rollout {rolloutId}; list them with GET /api/firmware/rollouts."]).ToHttp();
            return await action(view);
        });
}
