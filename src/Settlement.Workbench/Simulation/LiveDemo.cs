using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Host;
using Settlement.Ocpp;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Demo;
using Spectre.Console;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// The second half of <c>settle demo</c>: the host starts over the ledger the seeded month went into, the demo
/// network's 15 chargers connect to it over real OCPP (each in its own version) and charge cars for a while,
/// and an operator command goes through the REST API, so a newcomer sees live traffic become events. Munich's
/// chargers share a grid limit half their combined power, balanced live, and are throttled two thirds of the way in.
/// </summary>
internal static class LiveDemo
{
    public const string Password = "demo-charger-password-2026";
    private const string RemoteToken = "DEMO-APP-0001";
    private const string RemoteCharger = "DE-MUC-02";
    private const int RemoteEvse = 2;
    private const string LifetimeLogLevel = "Logging__LogLevel__Microsoft.Hosting.Lifetime";
    private const string SelfHealingLogLevel = "Logging__LogLevel__Settlement.Host.SelfHealing";
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    /// <returns>False when the live part failed; why has been printed.</returns>
    public static async Task<bool> RunAsync(Ledger.Ledger ledger, string database, string databaseDescription, IReadOnlyList<DemoEvent> history,
        TimeSpan duration, string operatorKey, CancellationToken ct)
    {
        AnsiConsole.Write(new Rule("[bold]Live: the network talks OCPP to the host[/]").LeftJustified());
        WebApplication? app = null;
        Fleet? fleet = null;
        try
        {
            var startSequence = await ledger.LastPositionAsync(ct);
            // "Now listening" and "Press Ctrl+C to shut down" are the host's own lines; here the demo does the talking.
            if (Environment.GetEnvironmentVariable(LifetimeLogLevel) is null)
                Environment.SetEnvironmentVariable(LifetimeLogLevel, "Warning");
            // The self-healer logs each rung as it goes; the demo prints the incidents itself, whole.
            if (Environment.GetEnvironmentVariable(SelfHealingLogLevel) is null)
                Environment.SetEnvironmentVariable(SelfHealingLogLevel, "Error");
            // The simulated drivers present made-up cards no registry holds: the demo network runs open charging.
            app = SettlementHost.Build(ledger, databaseDescription, new OcppOptions { UnknownTokens = Domain.Drivers.UnknownTokenPolicy.Accept }, "http://127.0.0.1:0");
            await app.StartAsync(ct);
            var baseAddress = new Uri(app.Urls.First());
            var endpoint = new Uri(baseAddress.AbsoluteUri.Replace("http://", "ws://") + "ocpp/");
            AnsiConsole.MarkupLineInterpolated($"Host started in this process on [bold]{baseAddress}[/]; chargers connect to [bold]{endpoint}{{chargerId}}[/]");

            using var balancing = await LiveBalancing.StartAsync(baseAddress, operatorKey, NodaTime.SystemClock.Instance, ct);
            var chargers = Chargers(history);
            await ChargerRegistration.SetPasswordsAsync(ledger, chargers, ct);
            AnsiConsole.MarkupLineInterpolated($"Gave the {chargers.Count} chargers a password (ChargerCredentialsSet; they log in with HTTP Basic, OCPP security profile 1)");

            fleet = new Fleet(endpoint, chargers);
            var connected = await fleet.ConnectAsync(chargers.Count, ct);
            if (connected == 0)
                throw new SimulatorException($"no charger could connect: {fleet.Counters.Snapshot().LastError}");
            var booted = await fleet.BootAsync(chargers.Count, ct);
            AnsiConsole.MarkupLineInterpolated(
                $"{connected} chargers connected ({chargers.Count(c => c.Protocol == OcppProtocol.Ocpp16)} speak OCPP 1.6, {chargers.Count(c => c.Protocol == OcppProtocol.Ocpp201)} OCPP 2.0.1), {booted} booted");

            await using var roaming = await LiveRoaming.StartAsync(baseAddress, operatorKey, ct);
            var command = await DriveAsync(ledger, fleet, roaming, balancing, baseAddress, operatorKey, startSequence, duration, ct);
            // The host stays up until the roaming session's CDR is out: pricing, issuing and pushing run in it.
            await roaming.FinishAsync(DemoInvoicing.IssuerId, ct);
            await balancing.WithdrawAsync(ct);
            AnsiConsole.Write(new Rule("[bold]Live: fleet operations (self-healing, a staged firmware rollout)[/]").LeftJustified());
            var healed = await LiveSelfHealing.RunAsync(baseAddress, operatorKey, fleet, NodaTime.SystemClock.Instance, ct);
            var halted = await LiveRollout.RunAsync(ledger, baseAddress, endpoint, operatorKey, ct);
            await fleet.CloseAsync();
            var traffic = fleet.Counters.Snapshot();
            await app.StopAsync(ct);

            await PrintSummaryAsync(ledger, database, startSequence, traffic, fleet.Counters.Calls.Summarise(), command, ct);
            await balancing.PrintAsync(ledger, ct);
            if (traffic.Errors > 0)
                AnsiConsole.MarkupLineInterpolated($"[yellow]{traffic.Errors} errors during the live part; the last: {traffic.LastError}[/]");
            if (!healed || !halted)
                AnsiConsole.MarkupLine($"[red]Fleet operations did not end as shown above:[/] {(healed ? "" : "an incident did not resolve or escalate in time; ")}{(halted ? "" : "the rollout did not halt before its waves")}");
            return healed && halted;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The live part failed:[/] {Describe(e)}");
            AnsiConsole.MarkupLine("[grey]The seeded month above was appended and is complete; only the live traffic is missing.[/]");
            return false;
        }
        finally
        {
            if (fleet is not null) await fleet.DisposeAsync();
            if (app is not null) await app.DisposeAsync();
        }
    }

    private sealed record CommandSent(string ChargerId, int EvseId, string Action, int HttpStatus, string? Outcome, string? Status, string? CommandId, string? Error);

    /// <summary>Runs the sessions with a live table of counters, and sends one command a third of the way in.</summary>
    private static async Task<CommandSent?> DriveAsync(Ledger.Ledger ledger, Fleet fleet, LiveRoaming roaming, LiveBalancing balancing, Uri baseAddress,
        string operatorKey, long startSequence, TimeSpan duration, CancellationToken ct)
    {
        // The EVSEs the operator and the roaming partner start remotely stay free of walk-in sessions.
        var remote = (fleet.Chargers.FirstOrDefault(c => c.Id == RemoteCharger && c.IsConnected) ?? fleet.Connected.First()).Id;
        var running = fleet.RunSessionsAsync(SessionProfile.Demo, duration, ct, kept: [(remote, RemoteEvse), (LiveRoaming.ChargerId, LiveRoaming.EvseId)]);
        Task<CommandSent>? command = null;
        Task? roamingStop = null;
        Task? throttle = null;
        var clock = Stopwatch.StartNew();
        var table = new Table().Title("Live traffic: OCPP messages, sessions started and stopped, events appended")
            .AddColumns("Elapsed", "Online", "Msg/s", "Calls", "Started", "Stopped", "Events", "Errors");
        var lastLine = TimeSpan.Zero;

        async Task WatchAsync(Action<string, FleetSnapshot, double, long, TimeSpan> show)
        {
            var (lastMessages, lastAt, rate) = (0L, TimeSpan.Zero, 0.0);
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(Refresh, ct));
                if (command is null && clock.Elapsed >= duration / 3)
                    command = SendRemoteStartAsync(baseAddress, operatorKey, remote, ct);
                if (throttle is null && clock.Elapsed >= duration * 2 / 3)
                    throttle = balancing.ThrottleAsync(NodaTime.SystemClock.Instance, ct);
                // The partner's driver ends the session from the app as soon as the EMSP hears it started.
                roamingStop ??= roaming.StopAsync(ct);
                var now = fleet.Counters.Snapshot();
                var at = clock.Elapsed;
                // The last pass can come right after the one before; a rate over a few milliseconds means nothing.
                if (at - lastAt >= Refresh / 2)
                    (rate, lastMessages, lastAt) = ((now.Messages - lastMessages) / (at - lastAt).TotalSeconds, now.Messages, at);
                var appended = await ledger.LastPositionAsync(ct) - startSequence;
                show($"{Math.Min(at.TotalSeconds, duration.TotalSeconds):N0} / {duration.TotalSeconds:N0} s", now, rate, appended, at);
            }
        }

        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(table).StartAsync(live => WatchAsync((elapsed, now, rate, appended, _) =>
            {
                table.Rows.Clear();
                table.AddRow(elapsed, $"{now.Connected}", $"{rate:N0}", $"{now.CallsAnswered:N0}", $"{now.SessionsStarted:N0}",
                    $"{now.SessionsStopped:N0}", $"{appended:N0}", now.Errors == 0 ? "0" : $"[red]{now.Errors}[/]");
                live.Refresh();
            }));
        }
        else
        {
            // Redirected output gets a line now and then instead of a table redrawn twice a second.
            await WatchAsync((elapsed, now, rate, appended, at) =>
            {
                if (at - lastLine < TimeSpan.FromSeconds(5) && !running.IsCompleted) return;
                lastLine = at;
                AnsiConsole.WriteLine($"  {elapsed}: {now.Connected} online, {rate:N0} messages/s, {now.CallsAnswered:N0} OCPP calls, " +
                                      $"{now.SessionsStarted:N0} sessions started, {now.SessionsStopped:N0} stopped, {appended:N0} events appended, {now.Errors} errors");
            });
        }
        await running;
        await (roamingStop ?? roaming.StopAsync(ct));
        await (throttle ?? balancing.ThrottleAsync(NodaTime.SystemClock.Instance, ct));
        return command is null ? null : await command;
    }

    /// <summary>What an operator's app would do: ask a free EVSE to start charging for a token, over REST.</summary>
    private static async Task<CommandSent> SendRemoteStartAsync(Uri baseAddress, string operatorKey, string charger, CancellationToken ct)
    {
        const int evse = RemoteEvse;
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorKey);
        using var response = await http.PostAsJsonAsync($"/api/chargers/{charger}/commands/remote-start", new { evseId = evse, idToken = RemoteToken }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var json = body.Length > 0 && body.TrimStart().StartsWith('{') ? JsonNode.Parse(body)!.AsObject() : null;
        return new CommandSent(charger, evse, json?["action"]?.GetValue<string>() ?? "remote-start", (int)response.StatusCode,
            json?["outcome"]?.ToString(), json?["status"]?.GetValue<string>(), json?["commandId"]?.GetValue<string>(),
            json?["error"]?.GetValue<string>() ?? (json is null ? body : null));
    }

    private static async Task PrintSummaryAsync(Ledger.Ledger ledger, string database, long startSequence, FleetSnapshot traffic, LatencySummary latency,
        CommandSent? command, CancellationToken ct)
    {
        var table = new Table().Title("Appended by the live traffic").AddColumns("Event", "Count");
        foreach (var (storedType, count) in await ledger.CountEventsByTypeAsync(after: startSequence, ct))
            table.AddRow(storedType, count.ToString("N0"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]{traffic.SessionsStarted:N0}[/] sessions started, [bold]{traffic.SessionsStopped:N0}[/] stopped, delivering [bold]{traffic.EnergyWh / 1000m:N1} kWh[/] (meters run 60x fast)");
        AnsiConsole.MarkupLineInterpolated(
            $"{latency.Count:N0} OCPP calls, each answered once its events were committed: p50 {latency.P50.TotalMilliseconds:N1} ms, p95 {latency.P95.TotalMilliseconds:N1} ms, max {latency.Max.TotalMilliseconds:N1} ms");
        if (command is not null) await PrintCommandAsync(ledger, command, ct);
        AnsiConsole.MarkupLineInterpolated($"Next: [bold]./settle serve --database {database}[/] and open /api/streams/charger:{command?.ChargerId ?? RemoteCharger}, or the session stream above");
    }

    private static async Task PrintCommandAsync(Ledger.Ledger ledger, CommandSent command, CancellationToken ct)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"Command: POST /api/chargers/{command.ChargerId}/commands/remote-start {{ evseId: {command.EvseId}, idToken: {RemoteToken} }} → HTTP {command.HttpStatus}, {command.Outcome ?? command.Error}{(command.Status is null ? "" : $", the charger said {command.Status}")}");
        var events = (await ledger.ReadStreamAsync(StreamIds.Charger(command.ChargerId), ct))
            .Where(e => command.CommandId is not null && e.Metadata.CorrelationId == $"command:{command.CommandId}").ToList();
        foreach (var recorded in events)
        {
            var what = recorded.Data switch
            {
                CommandIssuedV2 issued => $"{issued.Action} issued by {recorded.Metadata.Actor}",
                CommandCompleted completed => $"completed: {completed.Outcome}{(completed.Status is null ? "" : $", {completed.Status}")}",
                _ => recorded.StoredType,
            };
            AnsiConsole.MarkupLineInterpolated($"  [grey]{recorded.StreamId} v{recorded.Version}[/] {recorded.StoredType}: {what}");
        }
        // The ledger knows the driver only by pseudonym: the command's sealed token names it, and so does the session it started.
        if (events.Select(e => e.Data).OfType<CommandIssuedV2>().SingleOrDefault()?.DriverToken is not { } driver) return;
        if (await ledger.LatestSessionOfDriverAsync(driver.DriverRef, ct) is { } streamId)
        {
            var state = Session.Fold((await ledger.ReadStreamAsync(streamId, ct)).Select(e => e.Data));
            AnsiConsole.MarkupLineInterpolated(
                $"  the charger started [bold]{streamId}[/] for {RemoteToken} (driver {driver.DriverRef}): {state.Status}, {state.EnergyWh / 1000m:N1} kWh");
        }
    }

    /// <summary>
    /// The demo network's chargers, each in its own OCPP version, their registers continuing from where the
    /// seeded history left each EVSE: a meter never goes back.
    /// </summary>
    private static List<ChargerDefinition> Chargers(IReadOnlyList<DemoEvent> history)
    {
        var evseOfSession = history.Select(e => e.Data).OfType<SessionStartedV2>().ToDictionary(s => s.SessionId, s => (s.ChargerId, s.EvseId));
        var registers = new Dictionary<(string ChargerId, int EvseId), long>();
        void Saw(string sessionId, long wh)
        {
            var evse = evseOfSession[sessionId];
            registers[evse] = Math.Max(registers.GetValueOrDefault(evse), wh);
        }
        foreach (var data in history.Select(e => e.Data))
        {
            switch (data)
            {
                case SessionStartedV2 started: Saw(started.SessionId, started.MeterStartWh); break;
                case MeterValuesRecorded values: Saw(values.SessionId, values.Readings.Max(r => r.EnergyWh)); break;
                case SessionStopped stopped: Saw(stopped.SessionId, stopped.MeterStopWh); break;
            }
        }
        return DemoFleet.Sites.SelectMany(site => site.Chargers).Select(charger => new ChargerDefinition(
            charger.Id, Password, charger.Protocol == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201,
            charger.Evses.Count, charger.Vendor, charger.Model, charger.FirmwareVersion, charger.MaxPowerKw)
        {
            InitialRegistersWh = registers.Where(r => r.Key.ChargerId == charger.Id).ToDictionary(r => r.Key.EvseId, r => r.Value),
        }).ToList();
    }

    private static string Describe(Exception e) => e switch
    {
        IOException { InnerException: { } inner } => inner.Message,
        _ when e.InnerException is { } inner && e is not SimulatorException => $"{e.Message} ({inner.Message})",
        _ => e.Message,
    };
}
