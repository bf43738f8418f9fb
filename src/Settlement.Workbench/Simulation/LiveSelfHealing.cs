using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.SelfHealing;
using Spectre.Console;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// The live demo's self-healing: the operator defines rules through the REST API (a fault gets a status request, then a
/// soft reset, seconds apart so the demo can watch), then two idle chargers report a connector fault: one that the soft
/// reset clears and one that nothing remote clears. The host's self-healer opens an incident for each, climbs the
/// ladder over OCPP, resolves the first and escalates the second to a maintenance ticket; the demo prints both with
/// their rungs, and the truck rolls avoided with their money from the KPIs endpoint.
/// </summary>
internal static class LiveSelfHealing
{
    public const decimal TruckRollCost = 200m;
    private const int Evse = 1;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static object Rules => new
    {
        thresholds = new
        {
            offlineGraceSeconds = 120, stuckSessionSeconds = 900, failedStartsInRow = 3,
            transientErrorCodes = new[] { "InternalError", "OtherError", HealingRules.CodelessFault }, truckRollCost = TruckRollCost, currency = "USD",
        },
        ladders = new[]
        {
            new
            {
                vendor = "*", model = "*", kind = nameof(IncidentKind.ConnectorFaulted),
                steps = new[] { new { action = nameof(HealingAction.TriggerStatus), waitSeconds = 3 }, new { action = nameof(HealingAction.SoftReset), waitSeconds = 5 } },
            },
        },
    };

    /// <summary>
    /// Runs against a host whose self-healer runs (SelfHealing:Run, on by default), with the fleet connected and no
    /// sessions running on two of its chargers; returns false when an incident did not end within a minute.
    /// </summary>
    public static async Task<bool> RunAsync(Uri baseAddress, string operatorKey, Fleet fleet, IClock clock, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
        using (var defined = await http.PutAsJsonAsync("/api/self-healing/rules", Rules, ct))
            if (!defined.IsSuccessStatusCode)
                throw new SimulatorException($"the self-healing rules were refused: HTTP {(int)defined.StatusCode} {await defined.Content.ReadAsStringAsync(ct)}");
        AnsiConsole.MarkupLineInterpolated(
            $"Self-healing rules defined (PUT /api/self-healing/rules): a connector fault gets TriggerMessage StatusNotification, then a soft Reset; a truck roll costs [bold]{TruckRollCost:N0} USD[/]");

        var idle = fleet.Connected.Where(c => !c.HasRunningSession).Take(2).ToList();
        if (idle.Count < 2)
            throw new SimulatorException("self-healing needs two connected chargers without a running session");
        var startedAt = clock.GetCurrentInstant();
        var (resettable, broken) = (idle[0], idle[1]);
        await resettable.InjectFaultAsync(Evse, clearedBy: HealingAction.SoftReset, ct: ct);
        await broken.InjectFaultAsync(Evse, clearedBy: null, ct: ct);
        AnsiConsole.MarkupLineInterpolated($"{resettable.Id} and {broken.Id} report EVSE {Evse} Faulted (InternalError): a reset clears the first, nothing remote clears the second");

        var resolved = await EndedAsync(http, resettable.Id, ct);
        var escalated = await EndedAsync(http, broken.Id, ct);
        Print(resolved);
        Print(escalated);

        var until = clock.GetCurrentInstant() + Duration.FromSeconds(1);
        var kpis = await http.GetFromJsonAsync<JsonElement>(
            $"/api/self-healing/kpis?from={InstantPattern.ExtendedIso.Format(startedAt)}&to={InstantPattern.ExtendedIso.Format(until)}", ct);
        var fleetRow = kpis.GetProperty("rows").EnumerateArray().FirstOrDefault();
        if (fleetRow.ValueKind == JsonValueKind.Object)
            AnsiConsole.MarkupLineInterpolated(
                $"Self-healing KPIs (GET /api/self-healing/kpis): {fleetRow.GetProperty("incidents").GetInt32()} incidents, {fleetRow.GetProperty("resolvedRemotely").GetInt32()} resolved remotely, {fleetRow.GetProperty("escalated").GetInt32()} escalated; [bold]{fleetRow.GetProperty("truckRollsAvoided").GetInt32()} truck roll(s) avoided, {fleetRow.GetProperty("truckRollSavings").GetDecimal():N0} {fleetRow.GetProperty("currency").GetString()}[/]");
        return resolved is not null && escalated is not null;
    }

    /// <summary>The charger's incident once resolved or escalated (null when it was not within <see cref="Patience"/>).</summary>
    private static async Task<JsonElement?> EndedAsync(HttpClient http, string chargerId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/incidents?charger={chargerId}&kind=connectorfaulted&limit=1", ct);
            if (page.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } incident
                && incident.GetProperty("status").GetString() is nameof(IncidentStatus.Resolved) or nameof(IncidentStatus.Escalated))
                return incident;
            await Task.Delay(250, ct);
        }
        AnsiConsole.MarkupLineInterpolated($"[yellow]The incident on {chargerId} did not end within {Patience.TotalSeconds:N0} s.[/]");
        return null;
    }

    private static void Print(JsonElement? found)
    {
        if (found is not { } incident) return;
        var rungs = string.Join(" → ", incident.GetProperty("steps").EnumerateArray().Select(step =>
            $"{step.GetProperty("action").GetString()} ({(step.GetProperty("result").ValueKind == JsonValueKind.Null ? "no answer yet" : step.GetProperty("result").GetString())})"));
        var outcome = incident.GetProperty("status").GetString() == nameof(IncidentStatus.Resolved)
            ? $"[green]resolved by {incident.GetProperty("resolvedBy").GetString()} at step {incident.GetProperty("resolvedAtStep")}[/]"
            : $"[yellow]escalated: maintenance ticket {incident.GetProperty("ticketId").GetString()} lists every rung[/]";
        AnsiConsole.MarkupLine(
            $"Incident [bold]{Markup.Escape(incident.GetProperty("incidentId").GetString()!)}[/] ({Markup.Escape(incident.GetProperty("kind").GetString()!)} on {Markup.Escape(incident.GetProperty("chargerId").GetString()!)}): {Markup.Escape(rungs)}; {outcome}");
    }
}
