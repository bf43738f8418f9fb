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

/// <summary>Inline: a MeterValues right after StartTransaction must find its session.</summary>
public sealed partial class TransactionIndex : EventProjection
{
    public static TransactionEntry Create(SessionStartedV2 e) =>
        new(TransactionEntry.Key(e.ChargerId, e.TransactionId), e.SessionId);
}
