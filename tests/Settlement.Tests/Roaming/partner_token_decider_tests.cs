using CsCheck;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Drivers;
using Settlement.Domain.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>A partner's pushes decided against the token's stream: who may push it, and the valid flag as the registry's block.</summary>
public sealed class partner_token_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 9, 0);
    private static readonly DriverSealed Uid = TestDrivers.Seal("04A2B3C4D5E6F7");
    private static readonly DriverSealed Contract = TestDrivers.Seal("NL-EMS-C12345678");

    private static PartnerTokenValues Token(bool valid = true, Instant? lastUpdated = null) =>
        new("NL", "EMS", "04A2B3C4D5E6F7", OcpiTokenType.Rfid, "NL-EMS-C12345678", "EMSP", null, valid, OcpiWhitelist.Allowed, "nl", lastUpdated ?? Now);

    private static PartnerTokenRecorded Recorded(string partnerId = "NL-EMS", bool valid = true, Instant? lastUpdated = null) =>
        new(Uid.DriverRef, partnerId, "NL", "EMS", Uid, OcpiTokenType.Rfid, Contract, "EMSP", null, valid, OcpiWhitelist.Allowed, "nl", lastUpdated ?? Now, Now);

    private static readonly DeciderSpec<PartnerTokenState, PartnerTokenValues> Pushing =
        new(PartnerTokenState.None, PartnerTokens.Evolve, (state, token) => PartnerTokens.Record(state, "NL-EMS", token, Uid, Contract, Now));

    [Fact]
    public void a_new_valid_token_is_recorded_and_an_invalid_one_is_recorded_blocked() =>
        Assert.Multiple(
            () => Pushing.Given().When(Token()).Then(Recorded()),
            () => Pushing.Given().When(Token(valid: false)).Then(Recorded(valid: false), new TokenBlocked(Uid.DriverRef, Now)));

    [Fact]
    public void a_token_made_valid_again_is_unblocked() =>
        Pushing.Given(Recorded(valid: false, lastUpdated: Now - Duration.FromHours(1)), new TokenBlocked(Uid.DriverRef, Now))
            .When(Token(valid: true)).Then(Recorded(valid: true), new TokenUnblocked(Uid.DriverRef, Now));

    [Fact]
    public void a_repeated_or_older_push_records_nothing() =>
        Assert.Multiple(
            () => Pushing.Given(Recorded()).When(Token()).Then(),
            () => Pushing.Given(Recorded()).When(Token(valid: false, lastUpdated: Now - Duration.FromMinutes(1))).Then());

    [Fact]
    public void another_partners_token_or_the_operators_own_cannot_be_taken_over() =>
        Assert.Multiple(
            () => Pushing.Given(Recorded(partnerId: "DE-XYZ")).When(Token()).ThenRefused(RefusalKind.Conflict, "another partner"),
            () => Pushing.Given(new TokenRegistered(Uid.DriverRef, Uid, Domain.Sessions.TokenType.Rfid, null, null, null, Now)).When(Token())
                .ThenRefused(RefusalKind.Conflict, "operator"));

    [Fact]
    public void whatever_order_pushes_arrive_in_the_token_is_blocked_exactly_when_the_latest_said_invalid() =>
        Gen.Select(Gen.Bool, Gen.Int[0, 1_000_000]).List[1, 12].Sample(pushes =>
        {
            var state = PartnerTokenState.None;
            foreach (var (valid, second) in pushes)
            {
                var decision = PartnerTokens.Record(state, "NL-EMS", Token(valid, Now + Duration.FromSeconds(second)), Uid, Contract, Now);
                Assert.False(decision.Refused);
                state = decision.Events.Aggregate(state, PartnerTokens.Evolve);
            }
            var latest = pushes.Where(p => p.Item2 == pushes.Max(q => q.Item2)).First();
            Assert.Equal(!latest.Item1, state.Blocked);
            Assert.Equal(Now + Duration.FromSeconds(latest.Item2), state.Current!.LastUpdated);
        });
}
