using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Projections;
using Settlement.Projections.SelfHealing;

namespace Settlement.Host.SelfHealing;

/// <summary>
/// The self-healing rules (the operator's), the incidents with their rungs and history, and their KPIs. A sub-operator's
/// keys see the incidents of their own sites only, and KPIs over those.
/// </summary>
public static class SelfHealingEndpoints
{
    /// <summary>A whole rules set: it replaces the one in force.</summary>
    public sealed record RulesBody(HealingThresholds Thresholds, [property: MaxLength(500)] IReadOnlyList<HealingLadder> Ladders);

    /// <summary>The rules in force; <see cref="DefinedAt"/> null while the defaults hold.</summary>
    public sealed record RulesAnswer(HealingThresholds Thresholds, IReadOnlyList<HealingLadder> Ladders, Instant? DefinedAt);

    /// <summary>One event of an incident's history, as the streams endpoint shows events.</summary>
    public sealed record HistoryEvent(long Version, long Sequence, string Type, object Data, string Actor, Instant RecordedAt);

    public sealed record IncidentAnswer(IncidentState Incident, IReadOnlyList<HistoryEvent> History);

    public sealed record KpiAnswer(Instant From, Instant To, HealingKpiGrouping By, IReadOnlyList<HealingKpiRow> Rows);

    // A KPI answer counts every incident of the period in memory; a fleet's incidents of a period are thousands, not millions.
    private const int MaxIncidentsCounted = 100_000;

    public static IEndpointRouteBuilder MapSelfHealing(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/self-healing/rules", async (RulesBody body, OperatorScope scope, Ledger.Ledger ledger, IClock clock, HttpContext context, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("define the self-healing rules") is { } forbidden) return forbidden;
            var version = await ledger.StreamVersionAsync(StreamIds.HealingRules, ct);
            var now = clock.GetCurrentInstant();
            var decision = HealingRulesDecider.Define(new DefineHealingRules(body.Thresholds, body.Ladders), now);
            if (decision.Refusal is { } refusal) return refusal.ToHttp("The self-healing rules were not changed.");
            try
            {
                await ledger.AppendAsync(new StreamAppend(StreamIds.HealingRules,
                    [.. decision.Events.Select(e => new PendingEvent(e, EventMetadata.NewCorrelation(context.Caller()?.Actor ?? new Actor(ActorKind.Operator, "api"), now)))], version), ct);
            }
            catch (StreamConcurrencyException)
            {
                return new Refusal(RefusalKind.Conflict, ["The rules were changed meanwhile: read them again and send the whole set."]).ToHttp();
            }
            var defined = (HealingRulesDefined)decision.Events.Single();
            return Results.Ok(new RulesAnswer(defined.Thresholds, defined.Ladders, defined.DefinedAt));
        });

        app.MapGet("/api/self-healing/rules", async (Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var defined = (await ledger.ReadStreamAsync(StreamIds.HealingRules, ct)).Select(e => e.Data).OfType<HealingRulesDefined>().LastOrDefault();
            return Results.Ok(defined is null
                ? new RulesAnswer(HealingRules.Default.Thresholds, HealingRules.Default.Ladders, null)
                : new RulesAnswer(defined.Thresholds, defined.Ladders, defined.DefinedAt));
        });

        app.MapGet("/api/incidents", (string? site, string? charger, string? status, string? kind, int? limit, string? cursor,
            HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var statusWanted = EnumOrNull<IncidentStatus>("status", status);
            var kindWanted = EnumOrNull<IncidentKind>("kind", kind);
            var after = Paging.After(cursor);
            var pageSize = Paging.Limit(limit);
            var visible = await scope.SitesAsync(ct);
            await using var query = ledger.QueryReadModels();
            var incidents = query.Query<IncidentEntry>().AsQueryable();
            if (site is not null) incidents = incidents.Where(i => i.SiteId == site);
            if (charger is not null) incidents = incidents.Where(i => i.ChargerId == charger);
            if (statusWanted is { } s) incidents = incidents.Where(i => i.Status == s);
            if (kindWanted is { } k) incidents = incidents.Where(i => i.Kind == k);
            if (visible is not null)
            {
                var sites = visible.ToArray();
                incidents = incidents.Where(i => i.SiteId.IsOneOf(sites));
            }
            var page = await PagedQueries.PageAsync(incidents, i => i.SortKey, after, pageSize, ct, newestFirst: true);
            return Paging.Answer(context, new Page<IncidentState>([.. page.Items.Select(i => i.Incident)], page.Next));
        }));

        app.MapGet("/api/incidents/{incidentId}", async (string incidentId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            if (await query.LoadAsync<IncidentEntry>(StreamIds.Incident(incidentId), ct) is not { } entry || !await scope.SeesSiteAsync(entry.SiteId, ct))
                return new Refusal(RefusalKind.NotFound, [$"No incident {incidentId}. Incident ids look like {IncidentDetection.IncidentIdOf(1234, IncidentKind.ConnectorFaulted)}."]).ToHttp();
            var history = await ledger.ReadStreamAsync(StreamIds.Incident(incidentId), ct);
            return Results.Ok(new IncidentAnswer(entry.Incident, [.. history.Select(e =>
                new HistoryEvent(e.Version, e.Sequence, e.StoredType, SecretRedaction.Redacted(e.Data), e.Metadata.Actor.ToString(), e.RecordedAt))]));
        });

        app.MapGet("/api/self-healing/kpis", (string? from, string? to, string? by, string? format, OperatorScope scope, Ledger.Ledger ledger,
            IncidentRunner runner, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var start = RequiredInstant("from", from);
            var end = RequiredInstant("to", to);
            if (end <= start) throw new RequestRefusedException(RefusalKind.Invalid, "to: after from.");
            var grouping = EnumOrNull<HealingKpiGrouping>("by", by) ?? HealingKpiGrouping.Fleet;
            var csv = (format ?? "json").ToLowerInvariant() switch
            {
                "json" => false,
                "csv" => true,
                _ => throw new RequestRefusedException(RefusalKind.Invalid, "format: json or csv."),
            };
            var visible = await scope.SitesAsync(ct);
            await using var query = ledger.QueryReadModels();
            var opened = await query.Query<IncidentEntry>()
                .Where(i => i.SortKey.CompareTo(SortKeys.Of(start)) >= 0 && i.SortKey.CompareTo(SortKeys.Of(end)) < 0)
                .Take(MaxIncidentsCounted + 1).ToListAsync(ct);
            if (opened.Count > MaxIncidentsCounted)
                throw new RequestRefusedException(RefusalKind.Invalid, $"from, to: more than {MaxIncidentsCounted} incidents in the period; ask for a shorter one.");
            var incidents = opened.Where(i => visible is null || visible.Contains(i.SiteId)).Select(i => i.Incident);
            var rules = await runner.RulesAsync(ct);
            var rows = HealingKpis.Compute(incidents, new Interval(start, end), grouping, rules.Thresholds);
            return csv
                ? Results.File(Encoding.UTF8.GetBytes(Csv(rows)), "text/csv", $"self-healing-{grouping.ToString().ToLowerInvariant()}.csv")
                : Results.Ok(new KpiAnswer(start, end, grouping, rows));
        }));

        return app;
    }

    private static string Csv(IReadOnlyList<HealingKpiRow> rows)
    {
        var text = new StringBuilder("site_id,vendor,model,firmware_version,incidents,resolved_remotely,resolved_itself,resolved_on_site,escalated,open,"
            + "share_resolved_remotely_percent,recurred_within_a_day,truck_rolls_avoided,truck_roll_savings,currency,mean_time_to_recovery_minutes\n");
        foreach (var r in rows)
            text.AppendJoin(',', Field(r.SiteId), Field(r.Vendor), Field(r.Model), Field(r.FirmwareVersion), Number(r.Incidents), Number(r.ResolvedRemotely),
                Number(r.ResolvedItself), Number(r.ResolvedOnSite), Number(r.Escalated), Number(r.Open), Number(r.ShareResolvedRemotelyPercent),
                Number(r.RecurredWithinADay), Number(r.TruckRollsAvoided), Number(r.TruckRollSavings), Field(r.Currency), Number(r.MeanTimeToRecoveryMinutes)).Append('\n');
        return text.ToString();
    }

    private static string Field(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    private static string Number(IFormattable? value) => value?.ToString(null, CultureInfo.InvariantCulture) ?? "";

    private static Instant RequiredInstant(string name, string? text) =>
        text is not null && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed
            ? parsed.Value
            : throw new RequestRefusedException(RefusalKind.Invalid, $"{name}: required, an instant in UTC such as 2026-10-01T00:00:00Z.");

    private static T? EnumOrNull<T>(string name, string? text) where T : struct, Enum =>
        text is null ? null
        : Enum.TryParse<T>(text.Replace("-", ""), ignoreCase: true, out var value) && Enum.IsDefined(value) ? value
        : throw new RequestRefusedException(RefusalKind.Invalid, $"{name}: one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
}
