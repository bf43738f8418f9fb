using Marten;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Projections.Sessions;

namespace Settlement.Ocpp.Handling;

/// <summary>
/// Transactions as both OCPP versions report them, recorded through the pure <see cref="Session"/>
/// decisions: a resent start, meter value or stop adds nothing, and a stop for a transaction we never
/// saw start is recorded rather than lost. Appends use the stream version read, so two writers of
/// one session cannot both win.
/// </summary>
public sealed class SessionRecorder(ChargerLedger chargers)
{
    private const int Attempts = 3;
    private Ledger.Ledger Ledger => chargers.Ledger;

    /// <param name="Authorisation">How the registry answered <paramref name="IdToken"/>; recorded with the start.</param>
    public sealed record StartRequest(int EvseId, int ConnectorId, DriverSealed? IdToken, long MeterStartWh, Instant StartedAt,
        TokenAuthorisation? Authorisation = null, TokenType TokenType = TokenType.Rfid);

    /// <summary>
    /// OCPP 1.6: we assign the integer transaction id. A resent StartTransaction gets the same one; any other
    /// start is a session of its own, even in the same second as the one before (<see cref="Ocpp16Starts"/>).
    /// </summary>
    public async Task<string> StartAssigningIdAsync(InboundCall call, StartRequest start, CancellationToken ct)
    {
        var secondKey = Ocpp16Starts.SecondKey(call.ChargerId, start.EvseId, start.StartedAt);
        for (var attempt = 1; ; attempt++)
        {
            var ordinal = 1;
            await using (var query = Ledger.QueryReadModels())
            {
                if (await query.LoadAsync<StartSecondEntry>(secondKey, ct) is { } latest)
                {
                    var (session, _) = await LoadAsync(latest.LatestSessionId, ct);
                    if (Ocpp16Starts.IsResendOf(session, start.MeterStartWh, start.StartedAt))
                        return session.TransactionId!;
                    ordinal = latest.LatestOrdinal + 1;
                }
            }

            var transactionId = (await Ledger.NextOcpp16TransactionIdAsync(ct)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                await AppendStartAsync(call, Ocpp16Starts.SessionId(secondKey, ordinal), transactionId, start, ct);
                return transactionId;
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
                // Another start took this ordinal first (the same start resent at once, or a re-plug): the next
                // pass reads it and either answers with its id or takes the next ordinal.
            }
        }
    }

    /// <summary>OCPP 2.0.1: the charger names the transaction.</summary>
    public async Task<string> StartAsync(InboundCall call, string transactionId, StartRequest start, CancellationToken ct)
    {
        var sessionId = $"{call.ChargerId}-{transactionId}";
        // Only called when the transaction index has no session; a new stream refuses a second start anyway.
        try { await AppendStartAsync(call, sessionId, transactionId, start, ct); }
        catch (StreamConcurrencyException) { /* a resent start raced its original: it is recorded once */ }
        return sessionId;
    }

    /// <summary>The start with the registry's answer to its token and, for a group's token, the group its price follows.</summary>
    private Task AppendStartAsync(InboundCall call, string sessionId, string transactionId, StartRequest start, CancellationToken ct)
    {
        var metadata = call.Metadata(start.StartedAt, correlationId: sessionId);
        var started = new SessionStartedV2(sessionId, call.ChargerId, start.EvseId, start.ConnectorId, transactionId, start.IdToken, start.MeterStartWh, start.StartedAt);
        var events = start.IdToken is { } token && start.Authorisation is { } authorisation
            ? Authorised(sessionId, call, start.EvseId, token, start.TokenType, authorisation, started)
            : [started];
        return Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId), [.. events.Select(e => new PendingEvent(e, metadata))]), ct);
    }

    /// <summary>
    /// OCPP 2.0.1: a transaction started at plug-in names its driver in a later TransactionEvent. The first answer
    /// to a token is recorded in the session (with the group's tariff when accepted); later ones change nothing.
    /// </summary>
    public async Task RecordLateAuthorisationAsync(InboundCall call, string sessionId, int evseId, DriverSealed token, TokenType tokenType,
        TokenAuthorisation authorisation, CancellationToken ct)
    {
        var (events, version) = await Ledger.FetchAsync(StreamIds.Session(sessionId), ct);
        if (events.Any(e => e.Data is SessionAuthorisedV2)) return;
        var metadata = call.Metadata(call.ReceivedAt, sessionId);
        try
        {
            await Ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId),
                [.. Authorised(sessionId, call, evseId, token, tokenType, authorisation).Select(e => new PendingEvent(e, metadata))], version), ct);
        }
        catch (StreamConcurrencyException)
        {
            // The session moved on meanwhile (a meter value, or this answer resent): the next event with the token tries again.
        }
    }

    private static List<object> Authorised(string sessionId, InboundCall call, int evseId, DriverSealed token, TokenType tokenType,
        TokenAuthorisation authorisation, params object[] between)
    {
        List<object> events = [new SessionAuthorisedV2(sessionId, call.ChargerId, evseId, token, tokenType, authorisation.Outcome, call.ReceivedAt), .. between];
        if (authorisation is { Accepted: true, CustomerGroup: { } group })
            events.Add(new SessionCustomerGroupAssigned(sessionId, group, call.ReceivedAt));
        return events;
    }

    /// <summary>The session a charger's transaction id names, if the ledger saw it start.</summary>
    public async Task<string?> FindSessionAsync(ChargerLink link, string transactionId, CancellationToken ct)
    {
        if (link.SessionsByTransaction.TryGetValue(transactionId, out var known)) return known;
        await using var query = Ledger.QueryReadModels();
        var found = (await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(link.ChargerId, transactionId), ct))?.SessionId;
        if (found is not null) link.SessionsByTransaction[transactionId] = found;
        return found;
    }

    public async Task RecordMeterValuesAsync(ChargerLink link, InboundCall call, string? transactionId, int evseId, IReadOnlyList<MeterReading> readings, CancellationToken ct)
    {
        if (readings.Count == 0) return;
        var sessionId = transactionId is null ? null : await FindSessionAsync(link, transactionId, ct);
        if (sessionId is null)
        {
            await chargers.RecordAsync(call, readings[^1].TakenAt, ct, new ChargerMeterValuesRecorded(call.ChargerId, evseId, readings));
            return;
        }
        await DecideAndAppendAsync(link, call, sessionId, readings[^1].TakenAt, state => Session.RecordMeterValues(state, sessionId, readings, call.ReceivedAt), ct);
    }

    /// <returns>False when the transaction is unknown to the ledger (recorded as such).</returns>
    public async Task<bool> StopAsync(ChargerLink link, InboundCall call, string transactionId, long meterStopWh, StopReason reason, Instant stoppedAt,
        IReadOnlyList<MeterReading> finalReadings, CancellationToken ct)
    {
        var sessionId = await FindSessionAsync(link, transactionId, ct);
        if (sessionId is null)
        {
            await chargers.RecordAsync(call, stoppedAt, ct,
                new UnknownTransactionStopped(call.ChargerId, transactionId, meterStopWh, reason.ToString(), stoppedAt));
            return false;
        }
        await DecideAndAppendAsync(link, call, sessionId, stoppedAt,
            state => Session.Stop(state, new SessionStopped(sessionId, meterStopWh, reason, stoppedAt), finalReadings, call.ReceivedAt), ct);
        // A stopped session takes no more readings: keep a long-lived connection's caches to its open sessions.
        link.Sessions.Remove(sessionId);
        link.SessionsByTransaction.Remove(transactionId);
        link.LastSeqNo.Remove(sessionId);
        return true;
    }

    public async Task RecordSequenceGapAsync(InboundCall call, string sessionId, int expected, int received, CancellationToken ct) =>
        await Ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId),
            [new PendingEvent(new TransactionSequenceGapDetected(sessionId, expected, received, call.ReceivedAt), call.Metadata(call.ReceivedAt, sessionId))]), ct);

    public async Task<(Session State, IReadOnlyList<RecordedEvent> Events)> LoadAsync(string sessionId, CancellationToken ct)
    {
        var (events, _) = await Ledger.FetchAsync(StreamIds.Session(sessionId), ct);
        return (Session.Fold(events.Select(e => e.Data)), events);
    }

    private async Task DecideAndAppendAsync(ChargerLink link, InboundCall call, string sessionId, Instant occurredAt,
        Func<Session, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!link.Sessions.TryGetValue(sessionId, out var known))
            {
                var (events, version) = await Ledger.FetchAsync(StreamIds.Session(sessionId), ct);
                known = (Session.Fold(events.Select(e => e.Data)), version);
            }
            var decided = decide(known.State);
            if (decided.Count == 0)
            {
                link.Sessions[sessionId] = known;
                return;
            }
            try
            {
                await Ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId),
                    decided.Select(e => new PendingEvent(e, call.Metadata(occurredAt, sessionId))).ToList(), known.Version), ct);
                link.Sessions[sessionId] = (decided.Aggregate(known.State, (state, e) => state.Apply(e)), known.Version + decided.Count);
                return;
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
                // Someone else appended to the session meanwhile: forget what we knew and decide on what is there now.
                link.Sessions.Remove(sessionId);
            }
        }
    }

}
