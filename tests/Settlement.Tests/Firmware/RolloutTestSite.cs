using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;

namespace Settlement.Tests.Firmware;

/// <summary>
/// A site of its own per test, registered through the API, and chargers registered on it in the ledger (with a
/// password, so simulated chargers may log in) that booted once on <paramref name="firmware"/>: a rollout targeted at
/// the site touches no other test's chargers in the shared ledger.
/// </summary>
public sealed class RolloutTestSite(TestHost host, string firmware = "1.0.0")
{
    public string SiteId { get; } = "FW-" + Guid.NewGuid().ToString("N")[..10];

    public async Task<RolloutTestSite> RegisterAsync()
    {
        await host.RegisterSiteAsync(SiteId);
        return this;
    }

    /// <summary>A charger of the site that booted on the site's firmware, or on <paramref name="bootedOn"/>.</summary>
    public async Task<string> ChargerAsync(OcppVersion protocol, string vendor = "Acme", string model = "Fast 150", string? bootedOn = null)
    {
        var id = "FW" + Guid.NewGuid().ToString("N")[..10];
        var at = SystemClock.Instance.GetCurrentInstant();
        var metadata = new EventMetadata("setup", null, new Actor(ActorKind.Operator, "tests"), at);
        await host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(id),
        [
            new(new ChargerRegistered(id, SiteId, vendor, model, protocol, [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], at), metadata),
            new(new ChargerCredentialsSet(id, TestHost.PasswordHash, at), metadata),
            new(new ChargerBooted(id, vendor, model, null, bootedOn ?? firmware, BootReason.PowerUp, at), metadata),
        ], 0));
        return id;
    }
}
