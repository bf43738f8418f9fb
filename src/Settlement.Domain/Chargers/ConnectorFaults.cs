using System.Collections.Immutable;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Chargers;

/// <summary>
/// A connector's status as a charger reported it. OCPP 1.6 signals a fault by an error code beside the status
/// (<paramref name="ErrorCode"/>, null for its "NoError"); OCPP 2.0.1 only by the status Faulted, so its reports
/// never carry an error code.
/// </summary>
public sealed record ReportConnectorStatus(
    string ChargerId,
    int EvseId,
    int ConnectorId,
    ConnectorStatus Status,
    OcppFaultSignal Signal,
    string? ErrorCode,
    string? VendorErrorCode,
    string? Info,
    Instant At);

/// <summary>How the charger's protocol tells a fault: by an error code (1.6) or by the status Faulted (2.0.1).</summary>
public enum OcppFaultSignal { ErrorCode, FaultedStatus }

/// <summary>
/// Which of a charger's (EVSE, connector) pairs are faulted, and the decision what a status report records: the
/// status itself always, a <see cref="FaultReported"/> when a fault is signalled, a <see cref="FaultCleared"/> when a
/// faulted connector reports no fault any more.
/// </summary>
public sealed record ConnectorFaults(ImmutableHashSet<(int Evse, int Connector)> Faulted)
{
    public static readonly ConnectorFaults None = new([]);

    public bool IsFaulted(int evse, int connector) => Faulted.Contains((evse, connector));

    /// <summary>
    /// A status Faulted counts as faulted even without an error code, so that a later report without one clears it.
    /// A <see cref="FaultCleared"/> changes nothing: it always follows the status it was decided with, which already
    /// says whether the connector is still faulted (a 1.6 Faulted status whose error code cleared still is).
    /// </summary>
    public static ConnectorFaults Evolve(ConnectorFaults state, object @event) => @event switch
    {
        ConnectorStatusChanged changed => state.Set(changed.EvseId, changed.ConnectorId, changed.Status == ConnectorStatus.Faulted),
        FaultReported reported => state.Set(reported.EvseId, reported.ConnectorId, true),
        _ => state,
    };

    /// <summary>
    /// An error code (1.6) is recorded every time it is reported, repeats included: each report may name another code
    /// or vendor detail. A Faulted status (2.0.1) says nothing more when repeated, so only its onset is a fault.
    /// </summary>
    public static Decision Decide(ConnectorFaults state, ReportConnectorStatus report)
    {
        var status = new ConnectorStatusChanged(report.ChargerId, report.EvseId, report.ConnectorId, report.Status, report.At);
        var wasFaulted = state.IsFaulted(report.EvseId, report.ConnectorId);
        var faultSignalled = report.Signal == OcppFaultSignal.ErrorCode
            ? report.ErrorCode is not null
            : report.Status == ConnectorStatus.Faulted;
        if (faultSignalled && (report.Signal == OcppFaultSignal.ErrorCode || !wasFaulted))
            return Decision.Accept(status, new FaultReported(report.ChargerId, report.EvseId, report.ConnectorId,
                report.ErrorCode ?? "Faulted", report.VendorErrorCode, report.Info, report.At));
        if (!faultSignalled && wasFaulted)
            return Decision.Accept(status, new FaultCleared(report.ChargerId, report.EvseId, report.ConnectorId, "Faulted", report.At));
        return Decision.Accept(status);
    }

    private ConnectorFaults Set(int evse, int connector, bool faulted) =>
        faulted == IsFaulted(evse, connector) ? this : new(faulted ? Faulted.Add((evse, connector)) : Faulted.Remove((evse, connector)));
}
