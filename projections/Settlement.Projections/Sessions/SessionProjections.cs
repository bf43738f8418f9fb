using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Sessions;

/// <summary>The Sessions read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class SessionProjections
{
    public static StoreOptions AddSessionsProjections(this StoreOptions options)
    {
        options.Projections.Add<TransactionIndex>(ProjectionLifecycle.Inline);
        options.Projections.Add<SessionLifecycles>(ProjectionLifecycle.Inline);
        // The silence closer looks for the open sessions among all that ever ran.
        options.Schema.For<SessionLifecycle>().Duplicate(s => s.Open);
        options.Projections.Add<SessionDirectory>(ProjectionLifecycle.Inline);
        // Lists page through sessions by start time and filter them by charger.
        options.Schema.For<SessionEntry>().Duplicate(s => s.SortKey).Duplicate(s => s.ChargerId);
        return options;
    }
}
