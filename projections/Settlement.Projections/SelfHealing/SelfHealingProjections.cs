using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.SelfHealing;

/// <summary>The SelfHealing read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class SelfHealingProjections
{
    public static StoreOptions AddSelfHealingProjections(this StoreOptions options)
    {
        options.Projections.Add<IncidentEntries>(ProjectionLifecycle.Inline);
        options.Schema.For<IncidentEntry>()
            .Duplicate(e => e.SortKey).Duplicate(e => e.SiteId).Duplicate(e => e.ChargerId).Duplicate(e => e.Status);
        return options;
    }
}
