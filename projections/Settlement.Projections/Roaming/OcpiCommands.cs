using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Roaming;

/// <summary>
/// A partner's command as the session it starts needs it: a START_SESSION's charger, token and authorization_reference,
/// so the session the charger then starts is recorded as the partner's, authorised by COMMAND. Id: "ocpi-command:{CommandId}".
/// </summary>
public sealed record OcpiCommandEntry(string Id, string CommandId, string PartnerId, OcpiCommandType Command, OcpiCommandResponse Response,
    string? ChargerId, int? EvseId, string? TokenId, string? AuthorizationReference, Instant ReceivedAt)
{
    public OcpiCommandEntry() : this("", "", "", OcpiCommandType.StartSession, OcpiCommandResponse.Rejected, null, null, null, null, default) { }

    public OcpiCommandResultType? Result { get; init; }
}

/// <summary>Inline: a charger may start the session within a second of accepting the command.</summary>
public sealed partial class OcpiCommands : SingleStreamProjection<OcpiCommandEntry, string>
{
    public static OcpiCommandEntry Create(JasperFx.Events.IEvent<OcpiCommandReceived> e) =>
        new(e.StreamKey!, e.Data.CommandId, e.Data.PartnerId, e.Data.Command, e.Data.Response, e.Data.ChargerId, e.Data.EvseId, e.Data.TokenId,
            e.Data.AuthorizationReference, e.Data.ReceivedAt);

    public static OcpiCommandEntry Apply(OcpiCommandConcluded e, OcpiCommandEntry command) => command with { Result = e.Result };
}
