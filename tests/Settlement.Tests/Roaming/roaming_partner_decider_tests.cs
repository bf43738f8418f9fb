using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Roaming;

namespace Settlement.Tests.Roaming;

public sealed class roaming_partner_decider_tests
{
    private const string TokenA = "aaaaaaaaaaaa";
    private const string TokenC = "cccccccccccc";
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 9, 0);
    private static readonly RoamingAgreement Agreement = new(15m, "EUR", SettlementPeriod.Monthly);
    private static readonly OcpiPartyRole Ems = new("NL", "EMS", PartnerRole.Emsp, "EMSP Example");
    private static readonly OcpiEndpoint Cdrs = new("cdrs", OcpiInterfaceRole.Receiver, "https://emsp.example/ocpi/2.2.1/cdrs");
    // Events compare their lists by reference: a scenario and its expectation share them.
    private static readonly IReadOnlyList<OcpiPartyRole> Roles = [Ems];
    private static readonly IReadOnlyList<OcpiEndpoint> Endpoints = [Cdrs];

    private static readonly RoamingPartnerInvited Invited = new("NL-EMS", "EMSP Example", TokenA, Agreement, Now);
    private static readonly OcpiCredentialsExchanged Exchanged =
        new("NL-EMS", "2.2.1", "https://emsp.example/ocpi/versions", Roles, Endpoints, "sealed-b", TokenC, Now);

    private static readonly DeciderSpec<RoamingPartnerState, InvitePartner> Inviting =
        new(RoamingPartnerState.None, RoamingPartners.Evolve, (state, command) => RoamingPartners.Invite(state, command, Now));
    private static readonly DeciderSpec<RoamingPartnerState, RegisterPartner> Registering =
        new(RoamingPartnerState.None, RoamingPartners.Evolve, (state, command) => RoamingPartners.Register(state, command, Now));
    private static readonly DeciderSpec<RoamingPartnerState, UpdatePartnerCredentials> Updating =
        new(RoamingPartnerState.None, RoamingPartners.Evolve, (state, command) => RoamingPartners.UpdateCredentials(state, command, Now));
    private static readonly DeciderSpec<RoamingPartnerState, UnregisterPartner> Unregistering =
        new(RoamingPartnerState.None, RoamingPartners.Evolve, (state, command) => RoamingPartners.Unregister(state, command, Now));
    private static readonly DeciderSpec<RoamingPartnerState, ChangeAgreement> Changing =
        new(RoamingPartnerState.None, RoamingPartners.Evolve, (state, command) => RoamingPartners.ChangeAgreement(state, command, Now));
    private static readonly DeciderSpec<ApiKeyState, IssuePartnerKey> Issuing =
        new(ApiKeyState.None, ApiKeys.Evolve, (state, command) => ApiKeys.IssuePartnerToken(state, command, Now));

    private static RegisterPartner Register(string version = "2.2.1", IReadOnlyList<OcpiPartyRole>? roles = null) =>
        new(version, "https://emsp.example/ocpi/versions", roles ?? Roles, Endpoints, "sealed-b", TokenC);

    [Fact]
    public void an_invitation_names_the_partner_by_country_and_party() =>
        Inviting.Given().When(new InvitePartner("NL", "EMS", " EMSP Example ", Agreement, TokenA)).Then(Invited);

    [Fact]
    public void a_partner_is_invited_once() =>
        Inviting.Given(Invited).When(new InvitePartner("NL", "EMS", "Again", Agreement, TokenA)).ThenRefused(RefusalKind.Conflict, "NL-EMS exists already");

    [Fact]
    public void a_partner_the_demo_recorded_before_ocpi_is_not_invited_again() =>
        Inviting.Given(new RoamingPartnerRegistered("NL-EMS", "NL", "EMS", "Legacy", PartnerRole.Emsp, 10m, Now))
            .When(new InvitePartner("NL", "EMS", "Again", Agreement, TokenA)).ThenRefused(RefusalKind.Conflict, "exists already");

    [Fact]
    public void every_problem_of_an_invitation_is_named_at_once() =>
        Inviting.Given().When(new InvitePartner("nl", "EMSP", "", new RoamingAgreement(101m, "euro", SettlementPeriod.Monthly), TokenA))
            .ThenRefused(RefusalKind.Invalid, "countryCode:", "partyId:", "name:", "agreement.commissionPercent:", "agreement.currency:");

    [Fact]
    public void credentials_register_an_invited_partner() =>
        Registering.Given(Invited).When(Register()).Then(Exchanged);

    [Fact]
    public void credentials_are_posted_once() =>
        Registering.Given(Invited, Exchanged).When(Register()).ThenRefused(RefusalKind.Conflict, "registered", "PUT");

    [Fact]
    public void nobody_registers_without_an_invitation() =>
        Registering.Given().When(Register()).ThenRefused(RefusalKind.Conflict, "invited");

    [Fact]
    public void a_partner_offering_only_another_partys_identity_is_refused() =>
        Registering.Given(Invited).When(Register("2.2.1", [new OcpiPartyRole("NL", "XYZ", PartnerRole.Emsp, "Someone else")]))
            .ThenRefused(RefusalKind.Invalid, "roles:", "NL-EMS", "NL-XYZ");

    [Fact]
    public void a_partner_offering_the_invited_identity_among_others_is_registered()
    {
        IReadOnlyList<OcpiPartyRole> roles = [new OcpiPartyRole("DE", "HUB", PartnerRole.Hub, "Hub"), Ems];
        Registering.Given(Invited).When(Register("2.2.1", roles)).Then(Exchanged with { Roles = roles });
    }

    [Fact]
    public void only_ocpi_2_2_1_is_spoken() =>
        Registering.Given(Invited).When(Register("2.1.1")).ThenRefused(RefusalKind.Unprocessable, "2.2.1");

    [Fact]
    public void a_registered_partner_updates_its_credentials() =>
        Updating.Given(Invited, Exchanged).When(new UpdatePartnerCredentials("2.2.1", "https://emsp.example/v2", Roles, Endpoints, "sealed-b2"))
            .Then(new OcpiCredentialsUpdated("NL-EMS", "2.2.1", "https://emsp.example/v2", Roles, Endpoints, "sealed-b2", Now));

    [Fact]
    public void an_invited_partner_cannot_update_credentials_it_never_posted() =>
        Updating.Given(Invited).When(new UpdatePartnerCredentials("2.2.1", "https://emsp.example/v2", Roles, Endpoints, "sealed-b2"))
            .ThenRefused(RefusalKind.Conflict, "not registered");

    [Fact]
    public void an_unregistered_partner_cannot_update_credentials() =>
        Updating.Given(Invited, Exchanged, new RoamingPartnerUnregistered("NL-EMS", "ended", Now))
            .When(new UpdatePartnerCredentials("2.2.1", "https://emsp.example/v2", Roles, Endpoints, "sealed-b2")).ThenRefused(RefusalKind.Conflict, "not registered");

    [Fact]
    public void unregistering_ends_the_connection_once() =>
        Unregistering.Given(Invited, Exchanged).When(new UnregisterPartner(" contract ended ")).Then(new RoamingPartnerUnregistered("NL-EMS", "contract ended", Now));

    [Fact]
    public void unregistering_twice_changes_nothing() =>
        Unregistering.Given(Invited, Exchanged, new RoamingPartnerUnregistered("NL-EMS", "ended", Now)).When(new UnregisterPartner("again")).Then();

    [Fact]
    public void an_unknown_partner_is_not_unregistered() =>
        Unregistering.Given().When(new UnregisterPartner("ended")).ThenRefused(RefusalKind.NotFound, "invited");

    [Fact]
    public void unregistering_says_why() =>
        Unregistering.Given(Invited).When(new UnregisterPartner(" ")).ThenRefused(RefusalKind.Invalid, "reason:");

    [Fact]
    public void a_new_agreement_applies_from_its_date() =>
        Changing.Given(Invited, Exchanged).When(new ChangeAgreement(Agreement with { CommissionPercent = 12.5m }, new LocalDate(2027, 1, 1)))
            .Then(new RoamingAgreementChanged("NL-EMS", Agreement with { CommissionPercent = 12.5m }, new LocalDate(2027, 1, 1), Now));

    [Fact]
    public void a_commission_finer_than_a_cent_of_a_percent_is_refused() =>
        Changing.Given(Invited).When(new ChangeAgreement(Agreement with { CommissionPercent = 12.345m }, new LocalDate(2027, 1, 1)))
            .ThenRefused(RefusalKind.Invalid, "agreement.commissionPercent:");

    [Fact]
    public void a_partner_token_is_a_key_of_role_partner() =>
        Issuing.Given().When(new IssuePartnerKey(TokenC, "OCPI token C for NL-EMS", "sha256$c"))
            .Then(new ApiKeyCreated(TokenC, "OCPI token C for NL-EMS", AccessRole.Partner, null, "sha256$c", Now));

    [Fact]
    public void a_partner_token_never_reuses_a_key_id() =>
        Issuing.Given(new ApiKeyCreated(TokenC, "ERP", AccessRole.Integration, null, "sha256$x", Now))
            .When(new IssuePartnerKey(TokenC, "OCPI token C for NL-EMS", "sha256$c")).ThenRefused(RefusalKind.Conflict, TokenC);
}
