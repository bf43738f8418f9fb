using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Settlement.Workbench.Demo;
using Settlement.Workbench.Roaming;
using Spectre.Console;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// Roaming in the live demo, over real OCPI on loopback: the operator invites an EMSP (the test double), which
/// registers with token A, pushes its driver's token and starts a session on one of our chargers with a START_SESSION
/// command; the charger charges over OCPP; the EMSP stops it; the host prices it, issues the CDR and pushes it; finance
/// issues the partner's invoice from its CDRs.
/// </summary>
internal sealed class LiveRoaming(EmspDouble emsp, HttpClient api, string locationId) : IAsyncDisposable
{
    /// <summary>A 1.6 charger's EVSE the fleet leaves idle for the partner's driver.</summary>
    public const string ChargerId = "DE-MUC-04";
    public const int EvseId = 1;
    private const string TokenUid = "EMSDEMO00000001";
    private const string ContractId = "NL-EMS-C00000001-7";
    private const string AuthorizationReference = "demo-start-0001";
    private static readonly TimeSpan CdrWait = TimeSpan.FromSeconds(60);

    private string? _sessionId;

    /// <summary>Invites, registers, pushes the token and sends START_SESSION; prints each step.</summary>
    public static async Task<LiveRoaming> StartAsync(Uri baseAddress, string operatorKey, CancellationToken ct)
    {
        var emsp = await EmspDouble.StartAsync();
        var api = new HttpClient { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorKey);
        var roaming = new LiveRoaming(emsp, api, "DE-MUC");
        try
        {
            await roaming.ConnectAsync(ct);
            return roaming;
        }
        catch
        {
            await roaming.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        using var invited = await api.PostAsJsonAsync("/api/roaming/partners", new
        {
            name = "EMSP Double", countryCode = EmspDouble.CountryCode, partyId = emsp.PartyId,
            agreement = new { commissionPercent = 15m, currency = "EUR", settlementPeriod = "Monthly" },
        }, ct);
        var invitation = await JsonAsync(invited, "inviting the partner", ct);
        await emsp.RegisterAsync((string)invitation["versionsUrl"]!, (string)invitation["tokenA"]!);
        AnsiConsole.MarkupLineInterpolated(
            $"Roaming: invited EMSP [bold]{emsp.PartnerId}[/] (15% commission); it registered over OCPI 2.2.1 from {emsp.BaseUrl} (token A spent, token C issued)");

        var pushed = await emsp.PushTokenAsync(TokenUid, ContractId, whitelist: "ALLOWED");
        Expect(pushed, "pushing the driver's token");
        var evseUid = $"{ChargerId}*{EvseId}";
        var started = await emsp.SendCommandAsync("START_SESSION", new JsonObject
        {
            ["response_url"] = emsp.CommandResponseUrl("START_SESSION", AuthorizationReference),
            ["token"] = emsp.Token(TokenUid, ContractId),
            ["location_id"] = locationId,
            ["evse_uid"] = evseUid,
            ["authorization_reference"] = AuthorizationReference,
        });
        Expect(started, "START_SESSION");
        AnsiConsole.MarkupLineInterpolated(
            $"Roaming: the EMSP pushed its driver's token and sent START_SESSION for {locationId} / {evseUid}: {(string?)started["data"]?["result"]}");
    }

    /// <summary>STOP_SESSION for the session the START_SESSION began, as the EMSP learnt it from our session push.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (_sessionId is null && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            _sessionId = emsp.Objects.Keys.Where(k => k.StartsWith("sessions/", StringComparison.Ordinal)).Select(k => k.Split('/')[^1]).FirstOrDefault();
            if (_sessionId is null) await Task.Delay(200, ct);
        }
        if (_sessionId is null)
        {
            AnsiConsole.MarkupLine("[yellow]Roaming: no session reached the EMSP, so it has nothing to stop.[/]");
            return;
        }
        var stopped = await emsp.SendCommandAsync("STOP_SESSION", new JsonObject
        {
            ["response_url"] = emsp.CommandResponseUrl("STOP_SESSION", _sessionId),
            ["session_id"] = _sessionId,
        });
        var result = (string?)stopped["data"]?["result"] ?? (string?)stopped["status_message"];
        AnsiConsole.MarkupLineInterpolated(
            $"Roaming: the EMSP sent STOP_SESSION for {_sessionId}: {result}{(result == "UNKNOWN_SESSION" ? " (the driver had stopped it already)" : "")}");
    }

    /// <summary>Waits for the CDR to reach the EMSP, then issues and prints the partner's invoice for today.</summary>
    public async Task FinishAsync(string issuerId, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        JsonNode? cdr = null;
        while (cdr is null && watch.Elapsed < CdrWait)
        {
            cdr = emsp.Objects.Where(o => o.Key.StartsWith("cdrs/", StringComparison.Ordinal)).Select(o => o.Value).FirstOrDefault();
            if (cdr is null) await Task.Delay(500, ct);
        }
        if (cdr is null)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Roaming: no CDR reached the EMSP within {CdrWait.TotalSeconds:N0} s; GET /api/roaming/partners/{emsp.PartnerId}/pushes shows the outbox.[/]");
            return;
        }
        var table = new Table().Title($"CDR pushed to {emsp.PartnerId} (POST cdrs, received by the EMSP)")
            .AddColumns("CDR", "Session", "kWh", "Charging h", "Parking h", "Total excl. VAT", "Total incl. VAT", "Auth");
        table.AddRow((string)cdr["id"]!, (string)cdr["session_id"]!, $"{(decimal)cdr["total_energy"]!:N3}", $"{(decimal)cdr["total_time"]!:N4}",
            $"{(decimal?)cdr["total_parking_time"] ?? 0m:N4}", $"{(decimal)cdr["total_cost"]!["excl_vat"]!:N2} {(string)cdr["currency"]!}",
            $"{(decimal?)cdr["total_cost"]!["incl_vat"] ?? 0m:N2} {(string)cdr["currency"]!}", $"{(string)cdr["auth_method"]!} {(string?)cdr["authorization_reference"]}");
        AnsiConsole.Write(table);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        using var issued = await api.PostAsJsonAsync("/api/invoices/partners", new
        {
            issuerId, partnerId = emsp.PartnerId, from = today.AddDays(-1).ToString("yyyy-MM-dd"), through = today.AddDays(1).ToString("yyyy-MM-dd"),
            // Without a VAT id: the CDR carries the station's VAT, which a reverse-charged partner would not be billed.
            buyer = new { name = "EMSP Double B.V.", address = "Stationsplein 1, 1012 AB Amsterdam", countryCode = "NL", vatId = (string?)null },
        }, ct);
        var body = await issued.Content.ReadAsStringAsync(ct);
        if (!issued.IsSuccessStatusCode)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Roaming: the partner invoice was refused (HTTP {(int)issued.StatusCode}): {body}[/]");
            return;
        }
        foreach (var invoice in (JsonNode.Parse(body) as JsonArray ?? []).OfType<JsonNode>())
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Roaming: partner invoice [bold]{(string)invoice["number"]!}[/] to {emsp.PartnerId}: {(invoice["lines"] as JsonArray)?.Count ?? 0} line(s) (one per CDR), net {invoice["totalNet"]?.ToJsonString()}, gross {invoice["totalGross"]?.ToJsonString()} {(string?)invoice["currency"]}");
            foreach (var note in (invoice["notes"] as JsonArray ?? []).OfType<JsonNode>())
                AnsiConsole.MarkupLineInterpolated($"  [grey]{(string)note!}[/]");
        }
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response, string doing, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode && JsonNode.Parse(body) is JsonObject json
            ? json
            : throw new SimulatorException($"{doing} was answered HTTP {(int)response.StatusCode}: {body}");
    }

    private static void Expect(JsonObject envelope, string doing)
    {
        if ((int?)envelope["status_code"] is not (>= 1000 and < 2000))
            throw new SimulatorException($"{doing} was answered {envelope.ToJsonString()}");
    }

    public async ValueTask DisposeAsync()
    {
        api.Dispose();
        await emsp.DisposeAsync();
    }
}
