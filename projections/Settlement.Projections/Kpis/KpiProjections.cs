using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Kpis;

/// <summary>The Kpis read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class KpiProjections
{
    public static StoreOptions AddKpisProjections(this StoreOptions options)
    {
        options.Projections.Add(new ChargerKpiFacts(), ProjectionLifecycle.Async);
        options.Projections.Add(new SessionKpiFacts(), ProjectionLifecycle.Async);
        return options;
    }
}
