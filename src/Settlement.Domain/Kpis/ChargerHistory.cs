using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>
/// What KPIs need to know of a charger itself. EVSEs are numbered 1..<paramref name="EvseCount"/>, as OCPP
/// numbers them. <paramref name="RegisteredAt"/> is when it became operational: no period counts time before it.
/// </summary>
public sealed record ChargerProfile(string ChargerId, string SiteId, string Vendor, string Model, int EvseCount, Instant RegisteredAt);

/// <summary>
/// One charger's KPI inputs: its facts (every month up to the period end, concatenated in ledger order)
/// and its sessions.
/// </summary>
public sealed record ChargerHistory(ChargerProfile Profile, IReadOnlyList<ChargerFact> Facts, IReadOnlyList<SessionFacts> Sessions);
