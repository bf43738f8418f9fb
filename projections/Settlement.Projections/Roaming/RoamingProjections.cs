using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Roaming;

/// <summary>The Roaming read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class RoamingProjections
{
    public static StoreOptions AddRoamingProjections(this StoreOptions options)
    {
        options.Projections.Add<RoamedSessions>(ProjectionLifecycle.Inline);
        return options;
    }
}
