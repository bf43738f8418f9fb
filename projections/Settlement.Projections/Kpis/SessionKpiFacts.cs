using JasperFx.Events;
using Marten.Events.Projections;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Kpis;

/// <summary>
/// What charge success, utilisation, ratings and the NEVI session report need of each session. Async.
/// The fold is <see cref="SessionFactsFold"/>, in the domain, where self-healing counts failed starts with it too.
/// </summary>
public sealed partial class SessionKpiFacts : MultiStreamProjection<SessionFacts, string>
{
    public const string ProjectionName = nameof(SessionKpiFacts);

    public SessionKpiFacts()
    {
        Name = ProjectionName;
        KpiPaging.Apply(Options);
        Identity<SessionAuthorisedV2>(KeyOf);
        Identity<SessionStartedV2>(KeyOf);
        Identity<MeterValuesRecorded>(KeyOf);
        Identity<SessionStopped>(KeyOf);
        Identity<SessionClosedForSilence>(KeyOf);
        Identity<SessionReopened>(KeyOf);
        Identity<SessionRated>(KeyOf);
    }

    public static readonly Type[] EventTypes = SessionFactsFold.EventTypes;

    public static bool Handles(object data) => SessionFactsFold.Handles(data);

    public static string KeyOf(object data) => SessionFactsFold.KeyOf(data);

    public override SessionFacts? Evolve(SessionFacts? session, string sessionId, IEvent e) => SessionFactsFold.Evolve(session, sessionId, e.Data);

    /// <summary>The fold itself (<see cref="SessionFactsFold"/>), shared by the daemon, <c>KpiRebuild</c> and self-healing.</summary>
    public static SessionFacts? Evolve(SessionFacts? session, string sessionId, object data) => SessionFactsFold.Evolve(session, sessionId, data);
}
