using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Ocpp.Framing;
using Spectre.Console;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// The live demo's firmware rollout: four chargers of a site of their own (both OCPP versions) connect, and a rollout
/// of a new image is planned over REST with one canary whose new firmware faults once installed. The demo waits for the
/// canary's soak and gate, then prints the stages, the gate's figures (baseline against since the update), the halt
/// reason and the chargers no wave touched.
/// </summary>
public static class LiveRollout
{
    public const string SiteId = "DE-FW-DEMO";
    private const string Version = "2.4.1";
    private static readonly SimulatorOptions Options = new() { FaultRepeatInterval = TimeSpan.FromMilliseconds(500) };

    /// <returns>True when the rollout halted before any wave, as the demo means to show.</returns>
    public static async Task<bool> RunAsync(Ledger.Ledger ledger, Uri baseAddress, Uri ocppEndpoint, string operatorKey, CancellationToken ct)
    {
        AnsiConsole.Write(new Rule("[bold]Live: a firmware rollout whose canary fails its gate[/]").LeftJustified());
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
        // A site registered by an earlier run is answered 409 and kept as it is.
        await http.PostAsJsonAsync("/api/sites", new
        {
            siteId = SiteId, name = "Firmware test bench", address = new { street = "Leopoldstr. 1", postalCode = "80802", city = "München", countryCode = "DE" },
            latitude = 48.1550m, longitude = 11.5830m, timeZone = "Europe/Berlin", gridCapacityKw = 400m,
        }, ct);

        var run = DateTime.UtcNow.ToString("HHmmss");
        var definitions = new[] { OcppProtocol.Ocpp16, OcppProtocol.Ocpp201, OcppProtocol.Ocpp16, OcppProtocol.Ocpp201 }
            .Select((protocol, i) => new ChargerDefinition($"FWDEMO-{run}-{i + 1}", "demo-firmware-password-42", protocol, EvseCount: 1, Vendor: "Acme", Model: "Fast 150"))
            .ToList();
        await ChargerRegistration.RegisterAsync(ledger, definitions, SiteId, ct: ct);
        var chargers = definitions.Select(d => new SimulatedCharger(d, ocppEndpoint, Options)).ToList();
        try
        {
            chargers[0].FirmwareBehaviour = FirmwareBehaviour.InstallsThenFaults;
            foreach (var charger in chargers)
            {
                await charger.ConnectAsync(ct);
                await charger.BootAsync(ct);
            }
            AnsiConsole.MarkupLineInterpolated($"{chargers.Count} chargers of site {SiteId} booted on 1.0.0; the canary {chargers[0].Id}'s {Version} will fault once installed");

            var rolloutId = $"fw-demo-{run}";
            var created = await http.PostAsJsonAsync("/api/firmware/rollouts", new
            {
                rolloutId, name = $"Acme {Version} to the test bench",
                image = new { version = Version, location = $"https://firmware.example/acme/{Version}.bin" },
                target = new { sites = new[] { SiteId } }, canary = new { chargerIds = new[] { chargers[0].Id } }, soakSeconds = 5,
                waves = new { firstWaveSize = 2, growth = 2m, maxConcurrency = 2, soakSeconds = 5 },
                rollbackImage = new { version = "1.0.0", location = "https://firmware.example/acme/1.0.0.bin" },
            }, ct);
            if (!created.IsSuccessStatusCode)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]The rollout was refused (HTTP {(int)created.StatusCode}):[/] {await created.Content.ReadAsStringAsync(ct)}");
                return false;
            }
            AnsiConsole.MarkupLineInterpolated($"POST /api/firmware/rollouts planned [bold]{rolloutId}[/]: canary {chargers[0].Id} soaks 5 s, then waves of 2 (at most 2 at once)");

            var rollout = await SettledAsync(http, rolloutId, ct);
            if (rollout is null)
            {
                AnsiConsole.MarkupLine("[yellow]Rollout: no gate within 60 s; GET /api/firmware/rollouts/{id} shows where it stands.[/]");
                return false;
            }
            Print(rollout.Value, chargers.Skip(1).Select(c => c.Id).ToList());
            return rollout.Value.GetProperty("phase").GetString() == "Halted" && rollout.Value.GetProperty("stage").GetInt32() == 0;
        }
        finally
        {
            foreach (var charger in chargers) await charger.DisposeAsync();
        }
    }

    /// <summary>The rollout once it halted or completed, read over REST; null when it did neither within a minute.</summary>
    private static async Task<JsonElement?> SettledAsync(HttpClient http, string rolloutId, CancellationToken ct)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500, ct))
        {
            var rollout = await http.GetFromJsonAsync<JsonElement>($"/api/firmware/rollouts/{rolloutId}", ct);
            if (rollout.GetProperty("phase").GetString() is "Halted" or "Completed" or "Aborted") return rollout;
        }
        return null;
    }

    private static void Print(JsonElement rollout, IReadOnlyList<string> others)
    {
        foreach (var charger in rollout.GetProperty("chargers").EnumerateArray().Where(c => c.GetProperty("stage").ValueKind == JsonValueKind.Number))
            AnsiConsole.MarkupLineInterpolated(
                $"  stage {charger.GetProperty("stage").GetInt32()}: {charger.GetProperty("chargerId").GetString()} {charger.GetProperty("status").GetString()} {charger.GetProperty("detail").ToString()}");
        foreach (var gate in rollout.GetProperty("gates").EnumerateArray())
        {
            AnsiConsole.MarkupLine($"  gate of stage {gate.GetProperty("stage").GetInt32()}: {(gate.GetProperty("passed").GetBoolean() ? "[green]passed[/]" : "[red]failed[/]")}");
            foreach (var result in gate.GetProperty("results").EnumerateArray())
            {
                var (before, since) = (result.GetProperty("baseline"), result.GetProperty("since"));
                decimal Figure(JsonElement figures, string name) => figures.GetProperty(name).GetDecimal();
                AnsiConsole.MarkupLineInterpolated(
                    $"    {result.GetProperty("chargerId").GetString()}: faults/h {Figure(before, "faultsPerHour"):0.#} -> {Figure(since, "faultsPerHour"):0.#}, reconnects/h {Figure(before, "reconnectsPerHour"):0.#} -> {Figure(since, "reconnectsPerHour"):0.#}, uptime {Figure(before, "uptimePercent"):0.#}% -> {Figure(since, "uptimePercent"):0.#}%");
            }
        }
        AnsiConsole.MarkupLineInterpolated($"  [bold]{rollout.GetProperty("phase").GetString()}[/]: {rollout.GetProperty("haltReason").ToString()}");
        var untouched = rollout.GetProperty("chargers").EnumerateArray()
            .Where(c => others.Contains(c.GetProperty("chargerId").GetString()!) && c.GetProperty("status").GetString() == "Waiting")
            .Select(c => c.GetProperty("chargerId").GetString()).ToList();
        AnsiConsole.MarkupLineInterpolated($"  {untouched.Count} of {others.Count} other chargers untouched (no UpdateFirmware sent): {string.Join(", ", untouched)}");
    }
}
