using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Drivers;

/// <summary>
/// A driver's personal identifier (an idTag, a roaming token, a raw frame carrying one) as the ledger
/// keeps it: the driver's pseudonym and the value sealed under that driver's own key. Deleting the key
/// (crypto-shredding) makes the value unreadable while the stored event stays byte for byte as written.
/// </summary>
public sealed record DriverSealed(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string DriverRef,
    [property: MinLength(1)] string Ciphertext)
{
    public const string DriverRefPattern = "^drv_[0-9a-f]{32}$";

    private const string PlainPrefix = "plain:";

    /// <summary>
    /// What a v1 event's plain identifier becomes when read as v2. Its pseudonym is the identifier
    /// itself: history written before sealing cannot be shredded, only the v2 events after it.
    /// </summary>
    public static DriverSealed WrittenInPlain(string identifier) => new(PlainPrefix + identifier, "");

    /// <summary>The identifier of a <see cref="WrittenInPlain"/> value; null for a sealed one.</summary>
    public string? PlainIdentifier() =>
        DriverRef.StartsWith(PlainPrefix, StringComparison.Ordinal) ? DriverRef[PlainPrefix.Length..] : null;
}

/// <summary>
/// A driver's key and token link were deleted on their request (GDPR Art. 17): everything sealed under
/// the key is unreadable from now on. Carries no personal data.
/// </summary>
public sealed record DriverDataErased(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string DriverRef,
    [property: MinLength(1)] string Reason,
    Instant ErasedAt);
