using Xunit.Abstractions;
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

public sealed class password_hash_strength_tests(ITestOutputHelper output)
{
    private const string Password = "correct-horse-battery-staple";

    /// <summary>A hash as the ledger stored them before: PBKDF2-SHA256 with 1,000 iterations.</summary>
    public static string OldHash(string password)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var hash = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), salt, 1_000,
            System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    [Fact]
    public void a_new_hash_records_at_least_600000_iterations_and_needs_no_upgrade()
    {
        var stored = PasswordHasher.Hash(Password);

        Assert.True(int.Parse(stored.Split('$')[1]) >= 600_000, stored.Split('$')[1]);
        Assert.False(PasswordHasher.NeedsUpgrade(stored));
    }

    [Fact]
    public void an_old_hash_of_1000_iterations_still_verifies_and_needs_an_upgrade()
    {
        var old = OldHash(Password);

        Assert.True(PasswordHasher.Verify(Password, old));
        Assert.False(PasswordHasher.Verify(Password + "!", old));
        Assert.True(PasswordHasher.NeedsUpgrade(old));
    }

    [Fact]
    public async Task a_password_verified_once_verifies_again_for_an_hmac_and_a_wrong_one_is_refused_as_cheaply()
    {
        var passwords = new ChargerPasswords();
        var stored = PasswordHasher.Hash(Password);

        var first = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await passwords.VerifyAsync(Password, stored, default));
        var kdf = first.Elapsed;
        var again = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++) Assert.True(await passwords.VerifyAsync(Password, stored, default));
        var remembered = again.Elapsed / 1_000;

        output.WriteLine($"one verification with the KDF: {kdf.TotalMilliseconds:F0} ms; one remembered: {remembered.TotalMicroseconds:F1} µs");
        Assert.True(remembered * 100 < kdf, $"remembered {remembered.TotalMicroseconds} µs, KDF {kdf.TotalMilliseconds} ms");
        Assert.False(await passwords.VerifyAsync("another-password-entirely", stored, default));
    }

    [Fact]
    public async Task a_new_stored_hash_is_verified_afresh_so_the_old_password_no_longer_passes()
    {
        var passwords = new ChargerPasswords();
        var before = PasswordHasher.Hash(Password);
        Assert.True(await passwords.VerifyAsync(Password, before, default));

        var after = PasswordHasher.Hash("a-brand-new-charger-password");

        Assert.False(await passwords.VerifyAsync(Password, after, default));
        Assert.True(await passwords.VerifyAsync("a-brand-new-charger-password", after, default));
    }
}
