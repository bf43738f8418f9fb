using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Projections.Chargers;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Hashes a charger's password again with the current KDF after it logged in against an older hash, and records
/// <see cref="ChargerCredentialsRehashed"/> on its stream. One at a time, off the connection: after an upgrade of
/// the KDF every charger reconnecting would otherwise pay a new hash in its handshake. A bounded queue; a charger
/// left out (queue full, stream busy, host stopping) is upgraded at a later login.
/// </summary>
public sealed class CredentialUpgrades(Ledger.Ledger ledger, ChargerPasswords passwords, IClock clock, ILogger<CredentialUpgrades> logger)
    : BackgroundService
{
    public const int MaxQueued = 1_000;
    public static readonly Actor Actor = Actor.Job("credential-upgrade");
    private const int MaxAttempts = 5;

    private readonly Channel<Upgrade> _queue = Channel.CreateBounded<Upgrade>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    // Chargers that shared an old hash (the demo's, a fleet provisioned alike) share its successor: the upgrade
    // costs one KDF run per old hash, not per charger. A shared hash reveals a shared password either way.
    private readonly ConcurrentDictionary<string, string> _successors = new(StringComparer.Ordinal);

    /// <summary>The charger logged in with <paramref name="password"/>, which verified against <paramref name="previousHash"/>.</summary>
    public void Request(string chargerId, string password, string previousHash)
    {
        if (!PasswordHasher.NeedsUpgrade(previousHash) || !_queued.TryAdd(chargerId, 0)) return;
        if (!_queue.Writer.TryWrite(new Upgrade(chargerId, password, previousHash))) _queued.TryRemove(chargerId, out _);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var upgrade in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await UpgradeAsync(upgrade, stoppingToken);
                }
                catch (Exception failed) when (failed is not OperationCanceledException)
                {
                    logger.LogWarning(failed, "Could not rehash {Charger}'s password; its next login tries again", upgrade.ChargerId);
                }
                finally
                {
                    _queued.TryRemove(upgrade.ChargerId, out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: what is still queued is upgraded at a later login.
        }
    }

    private async Task UpgradeAsync(Upgrade upgrade, CancellationToken ct)
    {
        if (!_successors.TryGetValue(upgrade.PreviousHash, out var hash))
        {
            hash = await passwords.HashAsync(upgrade.Password, ct);
            if (_successors.Count >= MaxQueued) _successors.Clear();
            _successors[upgrade.PreviousHash] = hash;
        }
        var stream = StreamIds.Charger(upgrade.ChargerId);
        var command = new RehashChargerCredentials(upgrade.ChargerId, upgrade.PreviousHash, hash);
        // A connected charger writes to its stream all the time: the version read first pins the hash read after it.
        for (var attempt = 1; ; attempt++)
        {
            var version = await ledger.StreamVersionAsync(stream, ct);
            string? current;
            await using (var query = ledger.QueryReadModels())
                current = (await query.LoadAsync<ChargerEntry>(stream, ct))?.PasswordHash;
            var now = clock.GetCurrentInstant();
            var decision = ChargerOnboarding.Rehash(current, command, now);
            if (decision.Events.Count == 0) return;
            try
            {
                var metadata = EventMetadata.NewCorrelation(Actor, now);
                await ledger.AppendAsync(new StreamAppend(stream, [.. decision.Events.Select(e => new PendingEvent(e, metadata))], version), ct);
                return;
            }
            catch (StreamConcurrencyException) when (attempt < MaxAttempts)
            {
                // The charger wrote meanwhile: read its hash again, at the new version.
            }
        }
    }

    private sealed record Upgrade(string ChargerId, string Password, string PreviousHash);
}
