using JasperFx.Events;
using Marten.Events.Projections;
using Settlement.Domain.Tariffs;

namespace Settlement.Projections.Tariffs;

/// <summary>
/// One <see cref="TariffHistory"/> per tariff, keyed by the tariff id (not the stream key) so prices
/// look tariffs up by the id their assignments name. Inline: a version just published is in force for
/// the very next request.
/// </summary>
public sealed partial class TariffDirectory : MultiStreamProjection<TariffHistory, string>
{
    public TariffDirectory()
    {
        Identity<TariffPublished>(e => e.TariffId);
        Identity<TariffSuperseded>(e => e.TariffId);
        Identity<TariffAssigned>(e => e.TariffId);
    }

    public override TariffHistory Evolve(TariffHistory? history, string tariffId, IEvent e) =>
        (history ?? TariffHistory.Empty(tariffId)).Apply(e.Data, e.Version);
}
