using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;

namespace Settlement.Ledger.Drivers;

/// <summary>
/// A GDPR erasure by crypto-shredding: the driver's key and token link are deleted and
/// <see cref="DriverDataErased"/> is appended, in one transaction. No event is changed; what was sealed
/// under the key can no longer be read, so the ledger's bytes (and any hash over them) stay as they were.
/// </summary>
public static partial class DriverErasure
{
    /// <exception cref="UnknownDriverException">The vault knows no such token (never seen, or already erased).</exception>
    public static async Task<DriverDataErased> EraseTokenAsync(this Ledger ledger, string token, string reason, Actor actor, Instant at, CancellationToken ct = default)
    {
        var driverRef = await ledger.Drivers.FindDriverRefAsync(token, ct)
                        ?? throw new UnknownDriverException("No driver holds this token: it was never seen, or its driver was already erased.");
        return await ledger.EraseDriverAsync(driverRef, reason, actor, at, ct);
    }

    /// <exception cref="UnknownDriverException">The vault holds no key for this pseudonym (unknown, or already erased).</exception>
    public static async Task<DriverDataErased> EraseDriverAsync(this Ledger ledger, string driverRef, string reason, Actor actor, Instant at, CancellationToken ct = default)
    {
        if (!DriverRefPattern().IsMatch(driverRef))
            throw new ArgumentException($"'{driverRef}' is not a driver reference (drv_ and 32 hex digits).", nameof(driverRef));
        if (!await ledger.Drivers.HoldsKeyAsync(driverRef, ct))
            throw new UnknownDriverException($"The vault holds no key for {driverRef}: it is unknown, or was already erased.");

        var erased = new DriverDataErased(driverRef, reason, at);
        try
        {
            await ledger.AppendWithStatementAsync(
                StreamAppend.New(StreamIds.Driver(driverRef), new PendingEvent(erased, EventMetadata.NewCorrelation(actor, at))),
                ledger.Drivers.EraseStatement, [driverRef], ct);
        }
        catch (StreamConcurrencyException)
        {
            throw new UnknownDriverException($"{driverRef} was erased by another request meanwhile.");
        }
        return erased;
    }

    [GeneratedRegex(DriverSealed.DriverRefPattern)]
    private static partial Regex DriverRefPattern();
}

public sealed class UnknownDriverException(string message) : Exception(message);
