using Settlement.Host.Access;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Ledger.Drivers;

namespace Settlement.Host.Drivers;

/// <summary>Erase a driver named by exactly one of the token they use or their pseudonym; the one event recorded is the erasure.</summary>
public sealed record EraseDriver(string? IdToken, string? DriverRef, string Reason) : ISelfValidating
{
    public IReadOnlyList<string> Problems() =>
        (IdToken is { Length: > 0 }) == (DriverRef is { Length: > 0 }) ? ["Name the driver by exactly one of idToken or driverRef."] : [];
}

/// <summary>Crypto-shreds the driver's key through the ledger's vault, which alone knows whether the driver is still there to erase.</summary>
public sealed class EraseDriverHandler(Ledger.Ledger ledger, IClock clock, Callers callers) : ICommandHandler<EraseDriver, Decision>
{
    private static readonly Actor Privacy = new(ActorKind.Operator, "privacy");

    public async ValueTask<Decision> Handle(EraseDriver command, CancellationToken ct)
    {
        try
        {
            return Decision.Accept(command.IdToken is { Length: > 0 } token
                ? await ledger.EraseTokenAsync(token, command.Reason, callers.ActorOr(Privacy), clock.GetCurrentInstant(), ct)
                : await ledger.EraseDriverAsync(command.DriverRef!, command.Reason, callers.ActorOr(Privacy), clock.GetCurrentInstant(), ct));
        }
        catch (UnknownDriverException unknown)
        {
            return Decision.Refuse(RefusalKind.NotFound, unknown.Message);
        }
        catch (ArgumentException bad)
        {
            return Decision.Refuse(RefusalKind.Invalid, bad.Message);
        }
    }
}
