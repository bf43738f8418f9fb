namespace Settlement.Domain.Invoicing;

/// <summary>The IBAN check of ISO 13616: the first four characters moved to the end, letters as 10 to 35, mod 97 gives 1.</summary>
public static class Ibans
{
    /// <summary>Whether <paramref name="iban"/> (spaces allowed, as printed) is an IBAN whose check digits hold.</summary>
    public static bool IsValid(string? iban)
    {
        var compact = (iban ?? "").Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length is < 15 or > 34 || !compact[..2].All(char.IsAsciiLetterUpper) || !compact[2..4].All(char.IsAsciiDigit)
            || !compact.All(char.IsAsciiLetterOrDigit))
            return false;
        var remainder = 0;
        foreach (var c in compact[4..] + compact[..4])
        {
            var value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = (value > 9 ? remainder * 100 : remainder * 10) + value;
            remainder %= 97;
        }
        return remainder == 1;
    }
}
