using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Drivers;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Drivers;

public sealed class token_registry_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 9, 0);
    private static readonly DriverSealed Uid = TestDrivers.Seal("04A2B3C4D5E6F7");
    private static readonly DriverSealed Contract = TestDrivers.Seal("DE-ACM-C12345678-X");
    private static string Id => Uid.DriverRef;

    private static readonly RegisterToken Card = new("04A2B3C4D5E6F7", TokenType.Rfid, "DE-ACM-C12345678-X", "fleet-acme", Now + Duration.FromDays(365));
    private static TokenRegistered Registered => new(Id, Uid, TokenType.Rfid, Contract, "fleet-acme", Now + Duration.FromDays(365), Now);

    private static DeciderSpec<TokenState, T> Spec<T>(Func<TokenState, T, Decision> decide) => new(TokenState.None, Tokens.Evolve, decide);

    private static readonly DeciderSpec<TokenState, RegisterToken> Registering = Spec<RegisterToken>((state, command) => Tokens.Register(state, command, Uid, Contract, Now));
    private static readonly DeciderSpec<TokenState, BlockToken> Blocking = Spec<BlockToken>((state, command) => Tokens.Block(state, command, Now));
    private static readonly DeciderSpec<TokenState, UnblockToken> Unblocking = Spec<UnblockToken>((state, command) => Tokens.Unblock(state, command, Now));
    private static readonly DeciderSpec<TokenState, ExpireToken> Expiring = Spec<ExpireToken>((state, command) => Tokens.Expire(state, command, Now));
    private static readonly DeciderSpec<TokenState, ChangeTokenGroup> Regrouping = Spec<ChangeTokenGroup>((state, command) => Tokens.ChangeGroup(state, command, Now));

    [Fact]
    public void a_token_is_registered_with_its_uid_and_contract_sealed_under_its_drivers_pseudonym() =>
        Registering.Given().When(Card).Then(Registered);

    [Fact]
    public void the_same_uid_cannot_be_registered_twice() =>
        Registering.Given(Registered).When(Card).ThenRefused(RefusalKind.Conflict, "registered already");

    [Fact]
    public void a_registration_names_every_bad_field_and_its_shape() =>
        Registering.Given().When(new RegisterToken("has space", TokenType.Roaming, "", "no spaces allowed", Now - Duration.FromDays(1)))
            .ThenRefused(RefusalKind.Invalid, "uid:", "type:", "contractId:", "customerGroup:", "expiresAt:");

    [Fact]
    public void a_uid_longer_than_ocpp_carries_is_refused() =>
        Registering.Given().When(Card with { Uid = new string('A', Tokens.MaxUidLength + 1) }).ThenRefused(RefusalKind.Invalid, "uid:");

    [Fact]
    public void blocking_a_token_records_when_and_blocking_it_again_adds_nothing()
    {
        Blocking.Given(Registered).When(new BlockToken(Id)).Then(new TokenBlocked(Id, Now));
        Blocking.Given(Registered, new TokenBlocked(Id, Now)).When(new BlockToken(Id)).Then();
    }

    [Fact]
    public void an_unknown_token_cannot_be_blocked_unblocked_expired_or_regrouped()
    {
        Blocking.Given().When(new BlockToken(Id)).ThenRefused(RefusalKind.NotFound, "No token");
        Unblocking.Given().When(new UnblockToken(Id)).ThenRefused(RefusalKind.NotFound, "No token");
        Expiring.Given().When(new ExpireToken(Id)).ThenRefused(RefusalKind.NotFound, "No token");
        Regrouping.Given().When(new ChangeTokenGroup(Id, "fleet")).ThenRefused(RefusalKind.NotFound, "No token");
    }

    [Fact]
    public void unblocking_lifts_a_block_and_changes_nothing_on_a_token_never_blocked()
    {
        Unblocking.Given(Registered, new TokenBlocked(Id, Now)).When(new UnblockToken(Id)).Then(new TokenUnblocked(Id, Now));
        Unblocking.Given(Registered).When(new UnblockToken(Id)).Then();
    }

    [Fact]
    public void expiring_a_token_is_recorded_once() =>
        Expiring.Given(Registered, new TokenExpired(Id, Now)).When(new ExpireToken(Id)).Then();

    [Fact]
    public void a_token_moves_to_another_group_or_to_none_and_a_bad_group_name_is_refused()
    {
        Regrouping.Given(Registered).When(new ChangeTokenGroup(Id, "fleet-other")).Then(new TokenGroupChanged(Id, "fleet-other", Now));
        Regrouping.Given(Registered).When(new ChangeTokenGroup(Id, null)).Then(new TokenGroupChanged(Id, null, Now));
        Regrouping.Given(Registered).When(new ChangeTokenGroup(Id, "fleet-acme")).Then();
        Regrouping.Given(Registered).When(new ChangeTokenGroup(Id, "a group with spaces")).ThenRefused(RefusalKind.Invalid, "customerGroup:");
    }

    private static TokenAuthorisation Authorise(UnknownTokenPolicy unknown, params object[] history) =>
        Tokens.Authorise(history.Aggregate(TokenState.None, Tokens.Evolve), Now, unknown);

    [Fact]
    public void a_valid_token_is_accepted_with_its_group()
    {
        Assert.Equal(new TokenAuthorisation(AuthorisationOutcome.Accepted, "fleet-acme"), Authorise(UnknownTokenPolicy.Reject, Registered));
    }

    [Fact]
    public void a_blocked_token_is_refused_even_when_also_expired_and_an_unblocked_one_is_accepted_again()
    {
        Assert.Equal(AuthorisationOutcome.Blocked, Authorise(UnknownTokenPolicy.Accept, Registered, new TokenBlocked(Id, Now), new TokenExpired(Id, Now)).Outcome);
        Assert.Equal(AuthorisationOutcome.Accepted, Authorise(UnknownTokenPolicy.Reject, Registered, new TokenBlocked(Id, Now), new TokenUnblocked(Id, Now)).Outcome);
    }

    [Fact]
    public void a_token_past_its_expiry_or_expired_by_the_operator_is_expired_and_carries_no_group()
    {
        Assert.Equal(new TokenAuthorisation(AuthorisationOutcome.Expired, null), Authorise(UnknownTokenPolicy.Reject, Registered with { ExpiresAt = Now }));
        Assert.Equal(new TokenAuthorisation(AuthorisationOutcome.Expired, null), Authorise(UnknownTokenPolicy.Reject, Registered, new TokenExpired(Id, Now)));
    }

    [Fact]
    public void an_unregistered_token_is_unknown_unless_the_operator_accepts_unknown_tokens()
    {
        Assert.Equal(new TokenAuthorisation(AuthorisationOutcome.Unknown, null), Authorise(UnknownTokenPolicy.Reject));
        Assert.Equal(new TokenAuthorisation(AuthorisationOutcome.Accepted, null), Authorise(UnknownTokenPolicy.Accept));
    }
}
