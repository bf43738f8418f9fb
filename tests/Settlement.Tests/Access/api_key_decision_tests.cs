using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;

namespace Settlement.Tests.Access;

public sealed class api_key_decision_tests
{
    private const string Id = "k1a2b3c4d5e6";
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 9, 0);

    private static readonly DeciderSpec<ApiKeyState, CreateApiKey> Creating =
        new(ApiKeyState.None, ApiKeys.Evolve, (state, command) => ApiKeys.Create(state, command, Now));
    private static readonly DeciderSpec<ApiKeyState, RotateApiKey> Rotating =
        new(ApiKeyState.None, ApiKeys.Evolve, (state, command) => ApiKeys.Rotate(state, command, Now));
    private static readonly DeciderSpec<ApiKeyState, RevokeApiKey> Revoking =
        new(ApiKeyState.None, ApiKeys.Evolve, (state, command) => ApiKeys.Revoke(state, command, Now));

    private static readonly ApiKeyCreated Created = new(Id, "ERP export", AccessRole.Integration, null, "sha256$old", Now);

    [Fact]
    public void a_new_key_is_created_with_its_verifier_only() =>
        Creating.Given().When(new CreateApiKey(Id, " ERP export ", AccessRole.Integration, null, "sha256$old")).Then(Created);

    [Fact]
    public void a_sub_operators_key_names_its_sub_operator() =>
        Creating.Given().When(new CreateApiKey(Id, "Finance", AccessRole.Finance, "ACME", "sha256$v"))
            .Then(new ApiKeyCreated(Id, "Finance", AccessRole.Finance, "ACME", "sha256$v", Now));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void a_key_without_a_name_is_refused(string name) =>
        Creating.Given().When(new CreateApiKey(Id, name, AccessRole.Finance, null, "sha256$v")).ThenRefused(RefusalKind.Invalid, "name:");

    [Fact]
    public void a_name_longer_than_the_bound_is_refused() =>
        Creating.Given().When(new CreateApiKey(Id, new string('x', ApiKeys.MaxNameLength + 1), AccessRole.Finance, null, "sha256$v"))
            .ThenRefused(RefusalKind.Invalid, "1 to 100 characters");

    [Fact]
    public void partner_keys_are_not_created_by_hand() =>
        Creating.Given().When(new CreateApiKey(Id, "EMSP", AccessRole.Partner, null, "sha256$v")).ThenRefused(RefusalKind.Invalid, "role:", "OCPI");

    [Fact]
    public void an_existing_key_id_is_never_reused() =>
        Creating.Given(Created).When(new CreateApiKey(Id, "Other", AccessRole.Operator, null, "sha256$v")).ThenRefused(RefusalKind.Conflict, Id);

    [Fact]
    public void rotating_replaces_the_verifier() =>
        Rotating.Given(Created).When(new RotateApiKey(Id, "sha256$new")).Then(new ApiKeyRotated(Id, "sha256$new", Now));

    [Fact]
    public void an_unknown_key_cannot_be_rotated() =>
        Rotating.Given().When(new RotateApiKey(Id, "sha256$new")).ThenRefused(RefusalKind.NotFound, Id);

    [Fact]
    public void a_revoked_key_cannot_be_rotated_back_to_life() =>
        Rotating.Given(Created, new ApiKeyRevoked(Id, "left the company", Now)).When(new RotateApiKey(Id, "sha256$new"))
            .ThenRefused(RefusalKind.Conflict, "revoked");

    [Fact]
    public void revoking_records_why() =>
        Revoking.Given(Created).When(new RevokeApiKey(Id, " leaked in a log ")).Then(new ApiKeyRevoked(Id, "leaked in a log", Now));

    [Fact]
    public void a_revocation_needs_a_reason() =>
        Revoking.Given(Created).When(new RevokeApiKey(Id, "")).ThenRefused(RefusalKind.Invalid, "reason:");

    [Fact]
    public void a_key_is_revoked_once() =>
        Revoking.Given(Created, new ApiKeyRevoked(Id, "leaked", Now)).When(new RevokeApiKey(Id, "again")).ThenRefused(RefusalKind.Conflict, "revoked");
}
