using Marten;
using Marten.Events.Projections;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Sessions;

/// <summary>
/// Chargers name a session by their transaction id (OCPP 1.6: the integer we assigned; 2.0.1: theirs);
/// this finds the session stream for it. Id: "{chargerId}|{transactionId}".
/// </summary>
public sealed record TransactionEntry(string Id, string SessionId)
{
    public static string Key(string chargerId, string transactionId) => $"{chargerId}|{transactionId}";
}

/// <summary>
/// The latest OCPP 1.6 session started on a connector in one second (<see cref="Ocpp16Starts"/>).
/// Id: the second key "{chargerId}-{evseId}-{unix second}".
/// </summary>
public sealed record StartSecondEntry(string Id, string LatestSessionId, int LatestOrdinal);

/// <summary>Inline: a MeterValues right after StartTransaction must find its session, and a resent start its original.</summary>
public sealed partial class TransactionIndex : EventProjection
{
    public TransactionIndex()
    {
        // Stored through the operations rather than returned, so Marten cannot see them: declared, the owner's
        // migration creates their tables, which the application role could not create on first use.
        RegisterPublishedType(typeof(TransactionEntry));
        RegisterPublishedType(typeof(StartSecondEntry));
    }

    public void Project(SessionStartedV2 e, IDocumentOperations operations)
    {
        operations.Store(new TransactionEntry(TransactionEntry.Key(e.ChargerId, e.TransactionId), e.SessionId));
        var secondKey = Ocpp16Starts.SecondKey(e.ChargerId, e.EvseId, e.StartedAt);
        if (Ocpp16Starts.Ordinal(e.SessionId, secondKey) is { } ordinal)
            operations.Store(new StartSecondEntry(secondKey, e.SessionId, ordinal));
    }
}
