using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Firmware;

/// <summary>The Firmware read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class FirmwareProjections
{
    public static StoreOptions AddFirmwareProjections(this StoreOptions options)
    {
        options.Projections.Add<RolloutEntries>(ProjectionLifecycle.Inline);
        // Lists page through rollouts in plan order.
        options.Schema.For<RolloutEntry>().Duplicate(e => e.SortKey);
        return options;
    }
}
