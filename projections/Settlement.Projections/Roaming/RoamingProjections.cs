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
        options.Projections.Add<OcpiCdrs>(ProjectionLifecycle.Inline);
        options.Schema.For<OcpiPartnerEntry>().Duplicate(p => p.TokenAKeyId).Duplicate(p => p.TokenCKeyId!);
        options.Schema.For<OcpiPushEntry>().Duplicate(p => p.PartnerId);
        options.Schema.For<OcpiRelayProgress>();
        // A session started by a partner's command finds the command by its charger and token.
        options.Schema.For<OcpiCommandEntry>().Duplicate(c => c.ChargerId!);
        options.Schema.For<RoamedSession>().Duplicate(s => s.PartnerId).Duplicate(s => s.CdrId!).Duplicate(s => s.SortKey);
        options.Schema.For<OcpiCdrEntry>().Duplicate(c => c.PartnerId).Duplicate(c => c.SessionId).Duplicate(c => c.SortKey);
        return options;
    }
}
