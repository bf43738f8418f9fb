using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Access;

/// <summary>The Access read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class AccessProjections
{
    public static StoreOptions AddAccessProjections(this StoreOptions options)
    {
        options.Projections.Add<ApiKeyDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<Ownership>(ProjectionLifecycle.Inline);
        options.Projections.Add<SubOperatorDirectory>(ProjectionLifecycle.Inline);
        return options;
    }
}
