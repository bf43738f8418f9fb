using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Roaming;

/// <summary>The Roaming read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class RoamingProjections
{
    public static StoreOptions AddRoamingProjections(this StoreOptions options)
    {
        options.Projections.Add<RoamedSessions>(ProjectionLifecycle.Inline);
        options.Projections.Add<OcpiPartners>(ProjectionLifecycle.Inline);
        options.Projections.Add<OcpiOutbox>(ProjectionLifecycle.Inline);
        options.Projections.Add<EvseStatuses>(ProjectionLifecycle.Inline);
        options.Projections.Add<OcpiCommands>(ProjectionLifecycle.Inline);
        options.Schema.For<OcpiPartnerEntry>().Duplicate(p => p.TokenAKeyId).Duplicate(p => p.TokenCKeyId!);
        options.Schema.For<OcpiPushEntry>().Duplicate(p => p.PartnerId);
        options.Schema.For<OcpiRelayProgress>();
        // A session started by a partner's command finds the command by its charger and token.
        options.Schema.For<OcpiCommandEntry>().Duplicate(c => c.ChargerId!);
        return options;
    }
}
