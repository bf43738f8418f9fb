using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Roaming;

/// <summary>
/// A CDR as issued, for OCPI's GET and the operator's list. Id: its stream id ("cdr:{CdrId}"). The CDR never changes;
/// <see cref="Cdr"/> is the event itself, rendered for the partner when asked.
/// </summary>
public sealed record OcpiCdrEntry(string Id, string CdrId, string PartnerId, string SessionId, bool Credit, Instant IssuedAt, CdrIssuedV2 Cdr)
{
    public OcpiCdrEntry() : this("", "", "", "", false, default, null!) { }

    /// <summary>Lists run in issue order, the id breaking ties.</summary>
    public string SortKey => SortKeys.Of(IssuedAt, Id);
}

/// <summary>Inline, so a CDR is listed, and its session known to have one, in the append that issues it.</summary>
public sealed partial class OcpiCdrs : SingleStreamProjection<OcpiCdrEntry, string>
{
    public static OcpiCdrEntry Create(JasperFx.Events.IEvent<CdrIssuedV2> e) =>
        new(e.StreamKey!, e.Data.CdrId, e.Data.PartnerId, e.Data.SessionId, e.Data.Credit, e.Data.IssuedAt, e.Data);
}
