using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Security;

namespace Settlement.Workbench.Simulation;

/// <summary>What the operator records before simulated chargers may connect: the charger, and its password.</summary>
public static class ChargerRegistration
{
    private const int ChargersPerBatch = 500;
    private static readonly Actor Operator = new(ActorKind.Operator, "simulation");

    /// <summary>
    /// ChargerRegistered (one CCS2 connector per EVSE) and ChargerCredentialsSet for each charger, a few hundred
    /// chargers per transaction. A password is hashed once however many chargers share it: PBKDF2 is slow on
    /// purpose, and the hash is salted, so one hash serves them all.
    /// </summary>
    public static Task RegisterAsync(Ledger.Ledger ledger, IReadOnlyList<ChargerDefinition> chargers, string siteId,
        Action<int>? registered = null, CancellationToken ct = default) =>
        AppendAsync(ledger, chargers, (charger, hash, at) =>
        [
            new ChargerRegistered(charger.Id, siteId, charger.Vendor, charger.Model,
                charger.Protocol == OcppProtocol.Ocpp16 ? OcppVersion.Ocpp16 : OcppVersion.Ocpp201,
                [.. Enumerable.Range(1, charger.EvseCount).Select(evse =>
                    new EvseSpecification(evse, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, charger.MaxPowerKw)]))],
                at),
            new ChargerCredentialsSet(charger.Id, hash, at),
        ], registered, ct);

    /// <summary>ChargerCredentialsSet only, for chargers the ledger already knows.</summary>
    public static Task SetPasswordsAsync(Ledger.Ledger ledger, IReadOnlyList<ChargerDefinition> chargers, CancellationToken ct = default) =>
        AppendAsync(ledger, chargers, (charger, hash, at) => [new ChargerCredentialsSet(charger.Id, hash, at)], null, ct);

    private static async Task AppendAsync(Ledger.Ledger ledger, IReadOnlyList<ChargerDefinition> chargers,
        Func<ChargerDefinition, string, Instant, object[]> events, Action<int>? appended, CancellationToken ct)
    {
        var hashes = chargers.Select(c => c.Password).Distinct().ToDictionary(p => p, PasswordHasher.Hash);
        foreach (var batch in chargers.Chunk(ChargersPerBatch))
        {
            var at = SystemClock.Instance.GetCurrentInstant();
            var metadata = EventMetadata.NewCorrelation(Operator, at);
            await ledger.AppendAsync(batch.Select(charger => new StreamAppend(StreamIds.Charger(charger.Id),
                events(charger, hashes[charger.Password], at).Select(e => new PendingEvent(e, metadata)).ToList())).ToList(), ct);
            appended?.Invoke(batch.Length);
        }
    }
}
