using Mediator;
using Settlement.Domain.Chargers;

namespace Settlement.Ocpp.Handling;

/// <summary>A StatusNotification of either OCPP version, to be recorded for the charger on <see cref="Link"/>.</summary>
public sealed record RecordConnectorStatus(ChargerLink Link, InboundCall Call, ReportConnectorStatus Report) : ICommand;

/// <summary>
/// Records a connector's status and the faults it raises or clears, as <see cref="ConnectorFaults.Decide"/> decides.
/// The faults decided on are the ones this connection has recorded (<see cref="ChargerLink.Faults"/>), not a fold of the
/// charger's whole stream: a charger's statuses only come over its one connection, and re-reading its stream on every
/// StatusNotification would cost the hot path a read per message.
/// </summary>
public sealed class ConnectorStatusHandler(ChargerLedger chargers) : ICommandHandler<RecordConnectorStatus>
{
    public async ValueTask<Unit> Handle(RecordConnectorStatus command, CancellationToken ct)
    {
        var (link, call, report) = command;
        var decision = ConnectorFaults.Decide(link.Faults, report);
        // A status report is never refused: the charger says what its connector is, right or wrong.
        await chargers.RecordAsync(call, report.At, ct, [.. decision.Events]);
        link.Faults = decision.Events.Aggregate(link.Faults, ConnectorFaults.Evolve);
        return Unit.Value;
    }
}
