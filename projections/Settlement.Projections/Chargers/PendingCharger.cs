using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Projections.Chargers;

/// <summary>
/// An unregistered charger accepted as Pending: what it said about itself, kept as one overwritten row outside the
/// ledger. Anyone can connect as an unknown charger, so nothing it sends becomes a permanent fact; the operator reads
/// these rows to decide whom to register, and registering one removes its row.
/// </summary>
/// <param name="Id">The charger's identity.</param>
/// <param name="RefusedFrames">CALLs refused because the charger is Pending or broke the protocol, over all its connections.</param>
public sealed record PendingCharger(
    string Id,
    OcppVersion Protocol,
    Instant FirstSeenAt,
    Instant LastSeenAt,
    string? Vendor,
    string? Model,
    string? SerialNumber,
    string? FirmwareVersion,
    int Boots,
    long RefusedFrames);
