using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;

namespace Settlement.Tests.Chargers;

public sealed class charger_onboarding_tests
{
    private const string Id = "DE-MUC-01";
    private static readonly Instant Now = Instant.FromUtc(2026, 10, 12, 12, 0);

    private static readonly IReadOnlyList<EvseSpecification> TwoEvses =
    [
        new(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)]),
        new(2, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)]),
    ];

    // DE-MUC is the one registered site.
    private static readonly DeciderSpec<bool, RegisterCharger> Registering =
        new(false, ChargerOnboarding.Evolve, (registered, command) => ChargerOnboarding.Register(registered, command.SiteId == "DE-MUC", command, Now));

    private static readonly DeciderSpec<bool, ConfigureEvse> Configuring =
        new(false, ChargerOnboarding.Evolve, (registered, command) => ChargerOnboarding.Configure(registered, command, Now));

    private static readonly DeciderSpec<bool, SetChargerCredentials> SettingCredentials =
        new(false, ChargerOnboarding.Evolve, (registered, command) => ChargerOnboarding.SetCredentials(registered, command, Now));

    private static readonly DeciderSpec<string?, RehashChargerCredentials> Rehashing =
        new(null, ChargerOnboarding.EvolvePasswordHash, (hash, command) => ChargerOnboarding.Rehash(hash, command, Now));

    private static RegisterCharger Register(IReadOnlyList<EvseSpecification>? evses = null, string? passwordHash = null) =>
        new(Id, "DE-MUC", "Acme", "Fast 150", OcppVersion.Ocpp201, evses ?? TwoEvses, passwordHash);

    private static ChargerRegistered Registered() => new(Id, "DE-MUC", "Acme", "Fast 150", OcppVersion.Ocpp201, TwoEvses, Now);

    private static ChargerBooted Booted() => new(Id, "Acme", "Fast 150", null, null, BootReason.PowerUp, Now);

    [Fact]
    public void a_new_charger_is_registered_now() =>
        Registering.Given().When(Register()).Then(Registered());

    [Fact]
    public void a_charger_registered_with_a_password_gets_its_credentials_set_at_once() =>
        Registering.Given().When(Register(passwordHash: "pbkdf2$hash")).Then(Registered(), new ChargerCredentialsSet(Id, "pbkdf2$hash", Now));

    [Fact]
    public void a_charger_that_connected_first_can_still_be_registered() =>
        Registering.Given(Booted()).When(Register()).Then(Registered());

    [Fact]
    public void a_charger_is_registered_once() =>
        Registering.Given(Registered()).When(Register()).ThenRefused(RefusalKind.Conflict, "Charger DE-MUC-01 is already registered.");

    [Fact]
    public void each_evse_is_listed_once() =>
        Registering.Given().When(Register([TwoEvses[0], TwoEvses[0]]))
            .ThenRefused(RefusalKind.Invalid, "evses: evseId 1 appears 2 times; each EVSE is listed once.");

    [Fact]
    public void a_charger_on_an_unregistered_site_is_refused() =>
        Registering.Given().When(Register() with { SiteId = "XX-NOWHERE" })
            .ThenRefused(RefusalKind.Unprocessable, "siteId: site XX-NOWHERE is not registered; register it first with POST /api/sites.");

    [Fact]
    public void an_evse_without_connectors_is_refused() =>
        Registering.Given().When(Register([new EvseSpecification(1, [])]))
            .ThenRefused(RefusalKind.Invalid, "evses[evseId 1].connectors: at least one connector");

    [Fact]
    public void an_evse_added_to_a_registered_charger_is_recorded_with_its_connectors()
    {
        var evse = new EvseSpecification(3, [new ConnectorSpecification(1, ConnectorStandard.Type2, 22m), new ConnectorSpecification(2, ConnectorStandard.Ccs2, 50m)]);
        Configuring.Given(Registered()).When(new ConfigureEvse(Id, evse)).Then(new EvseConfigured(Id, evse, Now));
    }

    [Fact]
    public void an_evse_of_an_unregistered_charger_is_refused() =>
        Configuring.Given(Booted()).When(new ConfigureEvse(Id, TwoEvses[0])).ThenRefused(RefusalKind.NotFound, "Charger DE-MUC-01 is not registered.");

    [Fact]
    public void an_evse_listing_a_connector_twice_is_refused() =>
        Configuring.Given(Registered()).When(new ConfigureEvse(Id, new EvseSpecification(1, [TwoEvses[0].Connectors[0], TwoEvses[0].Connectors[0]])))
            .ThenRefused(RefusalKind.Invalid, "connectorId 1 appears 2 times");

    [Fact]
    public void a_registered_chargers_password_is_set() =>
        SettingCredentials.Given(Registered()).When(new SetChargerCredentials(Id, "pbkdf2$hash")).Then(new ChargerCredentialsSet(Id, "pbkdf2$hash", Now));

    [Fact]
    public void an_unregistered_charger_has_no_password_to_set() =>
        SettingCredentials.Given(Booted()).When(new SetChargerCredentials(Id, "pbkdf2$hash"))
            .ThenRefused(RefusalKind.NotFound, "Charger DE-MUC-01 is not registered.");

    [Fact]
    public void a_password_logged_in_against_the_old_hash_is_recorded_rehashed() =>
        Rehashing.Given(Registered(), new ChargerCredentialsSet(Id, "old$hash", Now))
            .When(new RehashChargerCredentials(Id, "old$hash", "new$hash"))
            .Then(new ChargerCredentialsRehashed(Id, "new$hash", Now));

    [Fact]
    public void a_rehash_never_replaces_a_password_the_operator_set_since_the_login() =>
        Rehashing.Given(new ChargerCredentialsSet(Id, "old$hash", Now), new ChargerCredentialsSet(Id, "operators$hash", Now))
            .When(new RehashChargerCredentials(Id, "old$hash", "new$hash"))
            .Then();

    [Fact]
    public void a_hash_already_upgraded_by_another_host_is_not_upgraded_twice() =>
        Rehashing.Given(new ChargerCredentialsSet(Id, "old$hash", Now), new ChargerCredentialsRehashed(Id, "other$hash", Now))
            .When(new RehashChargerCredentials(Id, "old$hash", "new$hash"))
            .Then();
}
