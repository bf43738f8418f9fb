using JasperFx.Events;
using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Invoicing;

/// <summary>
/// A CDR as a partner invoice bills it: the CDR as issued and its event's version. Id: the CDR's stream id
/// ("cdr:{CdrId}"). <paramref name="EndedOnUtcDay"/> (days since 1970-01-01, UTC) lets a period's CDRs be found by
/// an index before their local supply dates, which need the site's time zone, are told exactly.
/// </summary>
public sealed record BillableCdr(string Id, string PartnerId, string SessionId, int EndedOnUtcDay, CdrIssuedV2 Cdr, long Version)
{
    public static readonly string StoredType = EventType.StoredNameOf(typeof(CdrIssuedV2));

    public static int UtcDayOf(Instant instant) => UtcDayOf(instant.InUtc().Date);

    public static int UtcDayOf(LocalDate date) => Period.DaysBetween(new LocalDate(1970, 1, 1), date);
}

/// <summary>Inline, so a CDR can be invoiced the moment it is issued.</summary>
public sealed partial class BillableCdrs : SingleStreamProjection<BillableCdr, string>
{
    public static BillableCdr Create(IEvent<CdrIssuedV2> e) =>
        new(e.StreamKey!, e.Data.PartnerId, e.Data.SessionId, BillableCdr.UtcDayOf(e.Data.EndedAt), e.Data, e.Version);
}
