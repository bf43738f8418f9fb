using Settlement.Host.Access;
using Mediator;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Security;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Chargers;

/// <summary>Registers a charger, with its OCPP password when it uses security profile 1 or 2.</summary>
public sealed record RegisterChargerCommand(
    string ChargerId, string SiteId, string Vendor, string Model, OcppVersion Protocol,
    IReadOnlyList<EvseSpecification> Evses, string? Password) : ISelfValidating
{
    public IReadOnlyList<string> Problems() => PasswordProblems(Password);

    internal static IReadOnlyList<string> PasswordProblems(string? password) =>
        password is { Length: < PasswordHasher.MinimumLength }
            ? [$"A charger password needs at least {PasswordHasher.MinimumLength} characters (OCPP security profiles 1 and 2)."]
            : [];
}

/// <summary>Adds an EVSE to a registered charger, or replaces the connectors of one it has.</summary>
public sealed record ConfigureEvseCommand(string ChargerId, EvseSpecification Evse) : ICommand<Decision>;

/// <summary>Sets a registered charger's OCPP password.</summary>
public sealed record SetChargerCredentialsCommand(string ChargerId, string Password) : ISelfValidating
{
    public IReadOnlyList<string> Problems() => RegisterChargerCommand.PasswordProblems(Password ?? "");
}

/// <summary>
/// Onboarding decided by <see cref="ChargerOnboarding"/> on whether the charger directory has it registered:
/// its stream holds everything the charger ever said, too much to fold for one fact the directory keeps.
/// </summary>
public sealed class ChargerOnboardingHandler(Ledger.Ledger ledger, PendingChargers pending, IClock clock, Callers callers) :
    ICommandHandler<RegisterChargerCommand, Decision>, ICommandHandler<SetChargerCredentialsCommand, Decision>,
    ICommandHandler<ConfigureEvseCommand, Decision>
{
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public async ValueTask<Decision> Handle(RegisterChargerCommand command, CancellationToken ct)
    {
        var stream = StreamIds.Charger(command.ChargerId ?? "");
        var registered = await RegisteredAsync(stream, ct);
        var version = await ledger.StreamVersionAsync(stream, ct);
        var now = clock.GetCurrentInstant();
        var siteRegistered = await SiteRegisteredAsync(command.SiteId, ct);
        var decision = ChargerOnboarding.Register(registered, siteRegistered, new RegisterCharger(command.ChargerId!, command.SiteId, command.Vendor, command.Model,
            command.Protocol, command.Evses ?? [], command.Password is { } password ? PasswordHasher.Hash(password) : null), now);
        decision = await AppendAsync(stream, decision, version, now, ct);
        if (!decision.Refused)
            await pending.ForgetAsync(command.ChargerId!, ct);
        return decision;
    }

    // Appended wherever the stream is: a connected charger writes to it all the time, and the password replaces whatever was set before.
    public async ValueTask<Decision> Handle(SetChargerCredentialsCommand command, CancellationToken ct)
    {
        var stream = StreamIds.Charger(command.ChargerId);
        var registered = await RegisteredAsync(stream, ct);
        var now = clock.GetCurrentInstant();
        var decision = ChargerOnboarding.SetCredentials(registered,
            new SetChargerCredentials(command.ChargerId, PasswordHasher.Hash(command.Password)), now);
        return await AppendAsync(stream, decision, expectedVersion: null, now, ct);
    }

    // Appended wherever the stream is, like credentials: the charger's own messages move its stream all the time.
    public async ValueTask<Decision> Handle(ConfigureEvseCommand command, CancellationToken ct)
    {
        var stream = StreamIds.Charger(command.ChargerId);
        var registered = await RegisteredAsync(stream, ct);
        var now = clock.GetCurrentInstant();
        return await AppendAsync(stream, ChargerOnboarding.Configure(registered, new ConfigureEvse(command.ChargerId, command.Evse), now), expectedVersion: null, now, ct);
    }

    private async Task<bool> SiteRegisteredAsync(string siteId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is { SiteId.Length: > 0 };
    }

    private async Task<bool> RegisteredAsync(string stream, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<ChargerEntry>(stream, ct) is { Registered: true };
    }

    private async Task<Decision> AppendAsync(string stream, Decision decision, long? expectedVersion, Instant now, CancellationToken ct)
    {
        if (decision.Refused) return decision;
        try
        {
            var metadata = EventMetadata.NewCorrelation(callers.ActorOr(Api), now);
            await ledger.AppendAsync(new StreamAppend(stream, [.. decision.Events.Select(e => new PendingEvent(e, metadata))], expectedVersion), ct);
            return decision;
        }
        catch (MalformedEventException e)
        {
            return Decision.Refuse(RefusalKind.Invalid, e.Message);
        }
        catch (StreamConcurrencyException)
        {
            return Decision.Refuse(RefusalKind.Conflict, $"{stream} changed meanwhile; read it again and retry.");
        }
    }
}
