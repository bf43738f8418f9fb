using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Chargers;

/// <summary>The Chargers read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class ChargerProjections
{
    public static StoreOptions AddChargersProjections(this StoreOptions options)
    {
        options.Projections.Add<ChargerDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<SiteDirectory>(ProjectionLifecycle.Inline);
        options.Schema.For<PendingCharger>();
        return options;
    }
}
