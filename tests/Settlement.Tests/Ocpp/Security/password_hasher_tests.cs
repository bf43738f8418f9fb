using Settlement.Ocpp.Security;

namespace Settlement.Tests.Ocpp.Security;

public sealed class password_hasher_tests
{
    [Fact]
    public void the_right_password_verifies_and_a_wrong_one_does_not()
    {
        var stored = PasswordHasher.Hash("correct-horse-battery-staple");

        Assert.True(PasswordHasher.Verify("correct-horse-battery-staple", stored));
        Assert.False(PasswordHasher.Verify("correct-horse-battery-stapler", stored));
        Assert.DoesNotContain("correct-horse", stored);
    }

    [Fact]
    public void the_same_password_hashes_differently_each_time() =>
        Assert.NotEqual(PasswordHasher.Hash("correct-horse-battery-staple"), PasswordHasher.Hash("correct-horse-battery-staple"));

    [Fact]
    public void a_password_shorter_than_ocpp_allows_is_refused() =>
        Assert.Contains("16 characters", Assert.Throws<ArgumentException>(() => PasswordHasher.Hash("short")).Message);

    [Theory]
    [InlineData("")]
    [InlineData("md5$abc")]
    [InlineData("pbkdf2-sha256$many$c2FsdA==$aGFzaA==")]
    public void a_stored_value_in_another_format_never_verifies(string stored) =>
        Assert.False(PasswordHasher.Verify("correct-horse-battery-staple", stored));
}
