using System.Text.Json.Nodes;
using Marten;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Handling;
using Settlement.Projections.Chargers;
using static Settlement.Ocpp.Handling.OcppValues;

namespace Settlement.Ocpp.Connections;

/// <summary>
/// Unregistered chargers accepted as Pending (<see cref="UnknownChargerPolicy.AcceptPending"/>). Anyone can claim an
/// unknown identity, so what they send is answered but never becomes a ledger event, a stream or a driver's key: each
/// is one <see cref="PendingCharger"/> row, overwritten, and there are at most <see cref="OcppOptions.MaxPendingChargers"/>.
/// </summary>
public sealed class PendingChargers(Ledger.Ledger ledger, OcppOptions options, IClock clock)
{
    /// <summary>Remembers a charger at its handshake; false when as many others are pending already (the handshake is refused).</summary>
    public async Task<bool> AdmitAsync(string chargerId, OcppProtocol protocol, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        PendingCharger? known;
        await using (var query = ledger.QueryReadModels())
        {
            known = await query.LoadAsync<PendingCharger>(chargerId, ct);
            // Two unknown chargers at the same moment may both pass: the bound is about rows, and it holds to within them.
            if (known is null && await query.Query<PendingCharger>().CountAsync(ct) >= options.MaxPendingChargers)
                return false;
        }
        var version = protocol == OcppProtocol.Ocpp16 ? OcppVersion.Ocpp16 : OcppVersion.Ocpp201;
        await ledger.StoreDocumentAsync(known is null
            ? new PendingCharger(chargerId, version, now, now, null, null, null, null, Boots: 0, RefusedFrames: 0)
            : known with { Protocol = version, LastSeenAt = now }, ct);
        return true;
    }

    /// <summary>The CALLRESULT for what a Pending charger may send, BootNotification and Heartbeat; a boot updates its row.</summary>
    public async Task<JsonObject> AnswerAsync(ChargerLink link, OcppCall call, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        if (call.Action != "BootNotification")
            return new JsonObject { ["currentTime"] = Format(now) };
        // 1.6 describes the charger at the top level, 2.0.1 in chargingStation.
        var station = link.Protocol == OcppProtocol.Ocpp16 ? call.Payload : call.Payload["chargingStation"]?.AsObject();
        await UpdateAsync(link.ChargerId, pending => pending with
        {
            LastSeenAt = now,
            Vendor = OptionalText(station, link.Protocol == OcppProtocol.Ocpp16 ? "chargePointVendor" : "vendorName"),
            Model = OptionalText(station, link.Protocol == OcppProtocol.Ocpp16 ? "chargePointModel" : "model"),
            SerialNumber = OptionalText(station, link.Protocol == OcppProtocol.Ocpp16 ? "chargePointSerialNumber" : "serialNumber"),
            FirmwareVersion = OptionalText(station, "firmwareVersion"),
            Boots = pending.Boots + 1,
        }, ct);
        return new JsonObject
        {
            ["status"] = "Pending",
            ["currentTime"] = Format(now),
            ["interval"] = options.HeartbeatIntervalSeconds,
        };
    }

    /// <summary>At the end of a connection: when it was last heard, and how many of its CALLs were refused.</summary>
    public Task RecordDisconnectAsync(string chargerId, Instant lastSeenAt, int refusedFrames, CancellationToken ct) =>
        UpdateAsync(chargerId, pending => pending with { LastSeenAt = lastSeenAt, RefusedFrames = pending.RefusedFrames + refusedFrames }, ct);

    /// <summary>A charger the operator registered is no longer pending.</summary>
    public Task ForgetAsync(string chargerId, CancellationToken ct) => ledger.DeleteDocumentAsync<PendingCharger>(chargerId, ct);

    /// <summary>Every pending charger, the most recently heard first.</summary>
    public async Task<IReadOnlyList<PendingCharger>> ListAsync(CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return [.. (await query.Query<PendingCharger>().ToListAsync(ct)).OrderByDescending(p => p.LastSeenAt)];
    }

    private async Task UpdateAsync(string chargerId, Func<PendingCharger, PendingCharger> change, CancellationToken ct)
    {
        PendingCharger? pending;
        await using (var query = ledger.QueryReadModels())
            pending = await query.LoadAsync<PendingCharger>(chargerId, ct);
        // Registered meanwhile (its row deleted): nothing to keep.
        if (pending is null) return;
        await ledger.StoreDocumentAsync(change(pending), ct);
    }
}
