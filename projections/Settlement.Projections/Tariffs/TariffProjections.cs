using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Tariffs;

/// <summary>The Tariffs read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class TariffProjections
{
    public static StoreOptions AddTariffsProjections(this StoreOptions options)
    {
        options.Projections.Add<TariffDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add(new PricedSessions(), ProjectionLifecycle.Async);
        return options;
    }
}
