using Marten.Services.Json.Transformations;

namespace Settlement.Ledger.Store;

/// <summary>
/// Reads events stored as <typeparamref name="TOld"/> (e.g. session_started_v1) as
/// <typeparamref name="TNew"/> (SessionStartedV2), so projections only ever see the newest meaning
/// while the stored rows stay exactly as written.
/// </summary>
public abstract class VersionUpcaster<TOld, TNew> : EventUpcaster<TOld, TNew>
    where TOld : notnull
    where TNew : notnull
{
    public override string EventTypeName => Domain.Events.EventType.StoredNameOf(typeof(TOld));
}
