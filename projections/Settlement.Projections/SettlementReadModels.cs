using Settlement.Ledger.Store;
using Settlement.Projections.Access;
using Settlement.Projections.Chargers;
using Settlement.Projections.Drivers;
using Settlement.Projections.Firmware;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Kpis;
using Settlement.Projections.Receivables;
using Settlement.Projections.Roaming;
using Settlement.Projections.SelfHealing;
using Settlement.Projections.Sessions;
using Settlement.Projections.Tariffs;

namespace Settlement.Projections;

/// <summary>
/// Every read model derived from the ledger, capability by capability: the one list a host, a command or a test
/// opens the ledger with. A capability's projections are declared beside their read models and registered here.
/// </summary>
public static class SettlementReadModels
{
    public static readonly ReadModelSet All = new(
        options => options
            .AddAccessProjections()
            .AddChargersProjections()
            .AddDriversProjections()
            .AddSessionsProjections()
            .AddTariffsProjections()
            .AddRoamingProjections()
            .AddInvoicingProjections()
            .AddReceivablesProjections()
            .AddKpisProjections()
            .AddSelfHealingProjections()
            .AddSelfHealerProgress()
            .AddFirmwareProjections(),
        [KpiRebuild.Fast]);
}
