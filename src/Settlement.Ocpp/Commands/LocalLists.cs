using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Framing;
using Settlement.Projections.Drivers;

namespace Settlement.Ocpp.Commands;

/// <summary>
/// Keeps chargers' local authorisation lists (OCPP SendLocalList) in step with the token registry, so a charger
/// offline still refuses blocked cards. The list's version is the registry's (<see cref="TokenEntry.Changes"/> summed):
/// a charger that connects with another version gets the full list; each change is sent as a differential update to
/// the chargers connected to this host. One that missed it, or is connected to another host, is behind, and gets the
/// full list when it reconnects or when <see cref="LocalListReconciler"/> next finds it behind.
/// </summary>
public sealed class LocalLists(ConnectionRegistry connections, Ledger.Ledger ledger, OcppOptions options, IClock clock, ILogger<LocalLists> logger)
{
    // The version each connected charger was last known to hold; one entry per charger that ever connected here.
    private readonly ConcurrentDictionary<string, int> _held = new();

    /// <summary>On connect: the full list unless the charger already holds the registry's version.</summary>
    public async Task SyncAsync(string chargerId, CancellationToken ct)
    {
        if (connections.Find(chargerId) is not { } connection) return;
        var (version, entries) = await RegistryAsync(ct);
        if (version == 0) return;
        var held = await CallAsync(connection, "GetLocalListVersion", [], ct);
        var heldVersion = held?.Result?.Payload[connection.Link.Protocol == OcppProtocol.Ocpp16 ? "listVersion" : "versionNumber"]?.GetValue<int>();
        if (heldVersion == version)
        {
            _held[chargerId] = version;
            return;
        }
        await SendAsync(connection, version, LocalListUpdate.Full, entries, OnConnect, ct);
    }

    /// <summary>Brings every charger connected here that is not known to hold the registry's version up to date.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        if (!options.SendLocalLists) return;
        var (version, _) = await RegistryAsync(ct, withEntries: false);
        if (version == 0) return;
        foreach (var connection in connections.All.Where(c => c.Link.Registered && _held.GetValueOrDefault(c.Link.ChargerId, -1) != version).ToList())
        {
            try { await SyncAsync(connection.Link.ChargerId, ct); }
            catch (Exception e) when (e is ChargerDisconnectedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                // Gone meanwhile: it is synced when it boots again.
            }
        }
    }

    /// <summary>After a token changed: a differential update with it, to every charger connected here, recorded as caused by <paramref name="actor"/>.</summary>
    public async Task PushAsync(string tokenId, Actor actor, CancellationToken ct)
    {
        var (version, _) = await RegistryAsync(ct, withEntries: false);
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<TokenEntry>(StreamIds.Token(tokenId), ct) is not { } token || await EntryAsync(token, ct) is not { } entry) return;
        foreach (var connection in connections.All.Where(c => c.Link.Registered).ToList())
        {
            try { await SendAsync(connection, version, LocalListUpdate.Differential, [entry], actor, ct); }
            catch (Exception e) when (e is ChargerDisconnectedException or OperationCanceledException)
            {
                // It is behind now, and gets the full list when it connects again.
            }
        }
    }

    /// <summary>Starts <see cref="PushAsync"/> without holding up the request that changed the token; failures are logged.</summary>
    public void PushInBackground(string tokenId, Actor actor)
    {
        if (!options.SendLocalLists) return;
        _ = Task.Run(async () =>
        {
            try { await PushAsync(tokenId, actor, CancellationToken.None); }
            catch (Exception e) { logger.LogWarning(e, "Could not send the change of token {TokenId} to the chargers' local lists", tokenId); }
        });
    }

    /// <summary>Starts <see cref="SyncAsync"/> once the charger has had its boot answered; failures are logged, never thrown.</summary>
    public void SyncAfterBoot(string chargerId)
    {
        if (!options.SendLocalLists) return;
        _ = Task.Run(async () =>
        {
            // The CSMS may only send CALLs once the boot is answered; the answer goes out as the handler returns.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            try { await SyncAsync(chargerId, CancellationToken.None); }
            catch (Exception e) { logger.LogWarning(e, "Could not bring the local authorisation list of {ChargerId} up to date", chargerId); }
        });
    }

    private async Task SendAsync(ChargerConnection connection, int version, LocalListUpdate update, IReadOnlyList<(LocalListEntry Entry, string Uid)> entries,
        Actor actor, CancellationToken ct)
    {
        var protocol = connection.Link.Protocol;
        // A 1.6 idTag is at most 20 characters: a longer uid cannot be a 1.6 card, and would break the message.
        if (protocol == OcppProtocol.Ocpp16) entries = [.. entries.Where(e => e.Uid.Length <= V16MaxIdTagLength)];
        if (entries.Count == 0 && update == LocalListUpdate.Differential) return;
        var commandId = Guid.NewGuid().ToString("N");
        var payload = protocol == OcppProtocol.Ocpp16
            ? new JsonObject
            {
                ["listVersion"] = version, ["updateType"] = update.ToString(),
                ["localAuthorizationList"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject { ["idTag"] = e.Uid, ["idTagInfo"] = V16Info(e.Entry) })]),
            }
            : new JsonObject
            {
                ["versionNumber"] = version, ["updateType"] = update.ToString(),
                ["localAuthorizationList"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject
                {
                    ["idToken"] = new JsonObject { ["idToken"] = e.Uid, ["type"] = "ISO14443" }, ["idTokenInfo"] = V201Info(e.Entry),
                })]),
            };
        var correlation = $"command:{commandId}";
        await RecordAsync(connection.Link.ChargerId, correlation, actor,
            new LocalListSent(connection.Link.ChargerId, commandId, version, update, [.. entries.Select(e => e.Entry)], clock.GetCurrentInstant()), ct);
        var answer = await CallAsync(connection, "SendLocalList", payload, ct, commandId);
        var (outcome, status) = answer switch
        {
            null => (CommandOutcome.TimedOut, null),
            { Error: not null } => (CommandOutcome.CallError, null),
            { Result: { } result } => (CommandOutcome.Answered, result.Payload["status"]?.GetValue<string>()),
            _ => (CommandOutcome.CallError, (string?)null),
        };
        await RecordAsync(connection.Link.ChargerId, correlation, actor, new CommandCompleted(connection.Link.ChargerId, commandId, outcome, status,
            answer?.Result?.Payload.ToJsonString(), clock.GetCurrentInstant()), CancellationToken.None);
        // Only a full list accepted proves what the charger holds; after a differential one the next check asks it.
        if (update == LocalListUpdate.Full && status == "Accepted") _held[connection.Link.ChargerId] = version;
    }

    private Task<CommandAnswer?> CallAsync(ChargerConnection connection, string action, JsonObject payload, CancellationToken ct, string? commandId = null) =>
        connection.CallAsync(commandId ?? Guid.NewGuid().ToString("N"), action, payload, TimeSpan.FromSeconds(options.CallTimeoutSeconds), ct);

    /// <summary>The registry's version and, in token id order, up to <see cref="OcppOptions.MaxLocalListEntries"/> tokens a charger may hold.</summary>
    private async Task<(int Version, IReadOnlyList<(LocalListEntry Entry, string Uid)> Entries)> RegistryAsync(CancellationToken ct, bool withEntries = true)
    {
        await using var query = ledger.QueryReadModels();
        var version = await query.Query<TokenEntry>().SumAsync(t => t.Changes, ct);
        if (!withEntries) return (version, []);
        var tokens = await query.Query<TokenEntry>().OrderBy(t => t.TokenId).Take(options.MaxLocalListEntries).ToListAsync(ct);
        var entries = new List<(LocalListEntry, string)>(tokens.Count);
        foreach (var token in tokens)
            if (await EntryAsync(token, ct) is { } entry) entries.Add(entry);
        return (version, entries);
    }

    /// <summary>Null for a token whose driver was erased: its uid is gone, and with it any reason to list it.</summary>
    private async Task<(LocalListEntry, string)?> EntryAsync(TokenEntry token, CancellationToken ct)
    {
        if (await ledger.Drivers.UnsealAsync(token.Uid, ct) is not { } uid) return null;
        var now = clock.GetCurrentInstant();
        // A partner token it must be asked about every time (OCPI whitelist NEVER) is never one a charger may accept offline.
        var authorisation = token.Partner is { Whitelist: Domain.Roaming.OcpiWhitelist.Never }
            ? new TokenAuthorisation(AuthorisationOutcome.Invalid, null)
            : Tokens.Authorise(token.State(), now, UnknownTokenPolicy.Reject);
        return (new LocalListEntry(token.TokenId, authorisation.Outcome, token.ExpiresAt, authorisation.CustomerGroup), uid);
    }

    private static JsonObject V16Info(LocalListEntry entry)
    {
        var info = new JsonObject { ["status"] = entry.Status.ToString() };
        if (entry.ExpiresAt is { } expires) info["expiryDate"] = OcppValuesFormat(expires);
        if (entry.CustomerGroup is { } group) info["parentIdTag"] = group;
        return info;
    }

    private static JsonObject V201Info(LocalListEntry entry)
    {
        var info = new JsonObject { ["status"] = entry.Status.ToString() };
        if (entry.ExpiresAt is { } expires) info["cacheExpiryDateTime"] = OcppValuesFormat(expires);
        if (entry.CustomerGroup is { } group) info["groupIdToken"] = new JsonObject { ["idToken"] = group, ["type"] = "Central" };
        return info;
    }

    private static string OcppValuesFormat(Instant at) => Handling.OcppValues.Format(at);

    private const int V16MaxIdTagLength = 20;

    private static readonly Actor OnConnect = new(ActorKind.Job, "local-lists");

    private Task RecordAsync(string chargerId, string correlation, Actor actor, object @event, CancellationToken ct) =>
        ledger.AppendAsync(new StreamAppend(StreamIds.Charger(chargerId),
            [new PendingEvent(@event, new EventMetadata(correlation, null, actor, clock.GetCurrentInstant()))]), ct);
}
