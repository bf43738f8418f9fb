using System.Text.RegularExpressions;

namespace Settlement.Domain.Invoicing;

/// <summary>
/// Whether a VAT id is of its country's format, with the check digit right where the country defines one. Pure, no
/// network: it cannot tell whether the id is registered (VIES can), only that it could be, which catches typing
/// errors and invented ids like "DESTW00001".
/// </summary>
/// <remarks>
/// The id is checked in its compact form (spaces, dots and hyphens left out), with its country prefix, which for
/// Greece is "EL" and for Switzerland "CHE". The check digit rules are the ones the tax administrations publish
/// (e.g. Germany's ISO 7064 MOD 11,10 of the Bundeszentralamt für Steuern, the Netherlands' eleven-test and, for
/// sole proprietors' ids since 2020, ISO 7064 MOD 97-10). Other countries' ids are only checked for a plausible shape.
/// </remarks>
public static partial class VatIds
{
    /// <summary>The problem with the id, as "a German VAT id is DE followed by 9 digits with a check digit"; null when it is valid.</summary>
    public static string? Validate(string countryCode, string vatId)
    {
        var compact = Compact(vatId);
        if (!Formats.TryGetValue(countryCode, out var format))
            return OtherCountry().IsMatch(compact) ? null : $"a VAT id is 2 to 30 letters and digits";
        var match = format.Shape.Match(compact);
        return match.Success && format.CheckDigits(match.Groups["n"].Value) ? null : format.Expected;
    }

    /// <summary>The id without spaces, dots and hyphens, in upper case: the form check digits are computed on.</summary>
    public static string Compact(string vatId) => SeparatorsRemoved().Replace(vatId ?? "", "").ToUpperInvariant();

    private sealed record Format(Regex Shape, string Expected, Func<string, bool> CheckDigits);

    private static Format Of(string shape, string expected, Func<string, bool>? check = null) =>
        new(new Regex($"^{shape}$", RegexOptions.CultureInvariant), expected, check ?? (_ => true));

    private static readonly Dictionary<string, Format> Formats = new(StringComparer.Ordinal)
    {
        ["AT"] = Of("ATU(?<n>[0-9]{8})", "an Austrian VAT id is ATU followed by 8 digits with a check digit", Austria),
        ["BE"] = Of("BE(?<n>[01][0-9]{9})", "a Belgian VAT id is BE followed by 10 digits (starting 0 or 1) with a check number", Belgium),
        ["BG"] = Of("BG(?<n>[0-9]{9,10})", "a Bulgarian VAT id is BG followed by 9 or 10 digits"),
        ["CY"] = Of("CY(?<n>[0-9]{8}[A-Z])", "a Cypriot VAT id is CY followed by 8 digits and a letter"),
        ["CZ"] = Of("CZ(?<n>[0-9]{8,10})", "a Czech VAT id is CZ followed by 8 to 10 digits"),
        ["DE"] = Of("DE(?<n>[1-9][0-9]{8})", "a German VAT id is DE followed by 9 digits with a check digit", Germany),
        ["DK"] = Of("DK(?<n>[1-9][0-9]{7})", "a Danish VAT id is DK followed by 8 digits with a check digit", Denmark),
        ["EE"] = Of("EE(?<n>10[0-9]{7})", "an Estonian VAT id is EE followed by 9 digits starting 10"),
        ["ES"] = Of("ES(?<n>[0-9A-Z][0-9]{7}[0-9A-Z])", "a Spanish VAT id is ES followed by a letter or digit, 7 digits and a check letter or digit", Spain),
        ["FI"] = Of("FI(?<n>[0-9]{8})", "a Finnish VAT id is FI followed by 8 digits with a check digit", Finland),
        ["FR"] = Of("FR(?<n>[0-9A-HJ-NP-Z]{2}[0-9]{9})", "a French VAT id is FR followed by a 2-character key and the 9-digit SIREN", France),
        ["GR"] = Of("EL(?<n>[0-9]{9})", "a Greek VAT id is EL followed by 9 digits"),
        ["HR"] = Of("HR(?<n>[0-9]{11})", "a Croatian VAT id is HR followed by 11 digits"),
        ["HU"] = Of("HU(?<n>[0-9]{8})", "a Hungarian VAT id is HU followed by 8 digits"),
        ["IE"] = Of("IE(?<n>[0-9][0-9A-Z+*][0-9]{5}[A-W][A-IW]?)", "an Irish VAT id is IE followed by 7 digits and a check letter (and an optional second letter)", Ireland),
        ["IT"] = Of("IT(?<n>[0-9]{11})", "an Italian VAT id is IT followed by 11 digits with a check digit", Luhn),
        ["LT"] = Of("LT(?<n>[0-9]{9}|[0-9]{12})", "a Lithuanian VAT id is LT followed by 9 or 12 digits"),
        ["LU"] = Of("LU(?<n>[0-9]{8})", "a Luxembourg VAT id is LU followed by 8 digits with a check number", Luxembourg),
        ["LV"] = Of("LV(?<n>[0-9]{11})", "a Latvian VAT id is LV followed by 11 digits"),
        ["MT"] = Of("MT(?<n>[1-9][0-9]{7})", "a Maltese VAT id is MT followed by 8 digits"),
        ["NL"] = Of("NL(?<n>[0-9]{9}B[0-9]{2})", "a Dutch VAT id is NL followed by 9 digits, B and 2 digits, with a check digit", Netherlands),
        ["PL"] = Of("PL(?<n>[0-9]{10})", "a Polish VAT id is PL followed by 10 digits with a check digit", Poland),
        ["PT"] = Of("PT(?<n>[1-9][0-9]{8})", "a Portuguese VAT id is PT followed by 9 digits with a check digit", Portugal),
        ["RO"] = Of("RO(?<n>[1-9][0-9]{1,9})", "a Romanian VAT id is RO followed by 2 to 10 digits"),
        ["SE"] = Of("SE(?<n>[0-9]{10}01)", "a Swedish VAT id is SE followed by 10 digits with a check digit and 01", Sweden),
        ["SI"] = Of("SI(?<n>[1-9][0-9]{7})", "a Slovenian VAT id is SI followed by 8 digits"),
        ["SK"] = Of("SK(?<n>[1-9][0-9]{9})", "a Slovak VAT id is SK followed by 10 digits"),
        ["GB"] = Of("GB(?<n>[0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})", "a UK VAT id is GB followed by 9 digits (12 for a branch)"),
        ["NO"] = Of("NO(?<n>[0-9]{9})(MVA)?", "a Norwegian VAT id is NO followed by the 9-digit organisation number with a check digit and MVA", Norway),
        ["CH"] = Of("CHE(?<n>[0-9]{9})(MWST|TVA|IVA)?", "a Swiss VAT id is CHE followed by 9 digits with a check digit (and MWST, TVA or IVA)", Switzerland),
    };

    private static int[] Digits(string digits) => [.. digits.Select(c => c - '0')];

    private static int Weighted(string digits, params int[] weights) => Digits(digits).Zip(weights, (d, w) => d * w).Sum();

    /// <summary>ISO 7064 MOD 11,10 over the first 8 digits gives the 9th.</summary>
    private static bool Germany(string n)
    {
        var product = 10;
        foreach (var digit in Digits(n[..8]))
        {
            var sum = (digit + product) % 10;
            if (sum == 0) sum = 10;
            product = 2 * sum % 11;
        }
        var check = 11 - product;
        return (check == 10 ? 0 : check) == n[8] - '0';
    }

    private static bool Austria(string n)
    {
        var sum = Digits(n[..7]).Select((d, i) => i % 2 == 0 ? d : d * 2 / 10 + d * 2 % 10).Sum();
        return (10 - (sum + 4) % 10) % 10 == n[7] - '0';
    }

    private static bool Belgium(string n) => 97 - long.Parse(n[..8]) % 97 == long.Parse(n[8..]);

    private static bool Denmark(string n) => Weighted(n, 2, 7, 6, 5, 4, 3, 2, 1) % 11 == 0;

    private static bool Finland(string n)
    {
        var remainder = Weighted(n, 7, 9, 10, 5, 8, 4, 2) % 11;
        return remainder != 1 && (remainder == 0 ? 0 : 11 - remainder) == n[7] - '0';
    }

    /// <summary>A numeric key is (12 + 3 × (SIREN mod 97)) mod 97; an alphabetic one (newer ids) has no published check.</summary>
    private static bool France(string n) =>
        !char.IsAsciiDigit(n[0]) || !char.IsAsciiDigit(n[1]) || (12 + 3 * (long.Parse(n[2..]) % 97)) % 97 == int.Parse(n[..2]);

    private static bool Luhn(string n)
    {
        var sum = Digits(n).Reverse().Select((d, i) => i % 2 == 0 ? d : d * 2 > 9 ? d * 2 - 9 : d * 2).Sum();
        return sum % 10 == 0;
    }

    private static bool Sweden(string n) => Luhn(n[..10]);

    private static bool Luxembourg(string n) => int.Parse(n[..6]) % 89 == int.Parse(n[6..]);

    /// <summary>The eleven-test of the original ids, or ISO 7064 MOD 97-10 over "NL" and the id for sole proprietors' since 2020.</summary>
    private static bool Netherlands(string n)
    {
        var eleven = Weighted(n, 9, 8, 7, 6, 5, 4, 3, 2) % 11;
        if (eleven != 10 && eleven == n[8] - '0') return true;
        var remainder = 0;
        foreach (var c in "NL" + n)
            foreach (var digit in (char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10).ToString())
                remainder = (remainder * 10 + (digit - '0')) % 97;
        return remainder == 1;
    }

    private static bool Poland(string n)
    {
        var check = Weighted(n, 6, 5, 7, 2, 3, 4, 5, 6, 7) % 11;
        return check != 10 && check == n[9] - '0';
    }

    private static bool Portugal(string n)
    {
        var check = 11 - Weighted(n, 9, 8, 7, 6, 5, 4, 3, 2) % 11;
        return (check >= 10 ? 0 : check) == n[8] - '0';
    }

    private static bool Norway(string n)
    {
        var check = 11 - Weighted(n, 3, 2, 7, 6, 5, 4, 3, 2) % 11;
        return check != 10 && (check == 11 ? 0 : check) == n[8] - '0';
    }

    private static bool Switzerland(string n)
    {
        var check = 11 - Weighted(n, 5, 4, 3, 2, 7, 6, 5, 4) % 11;
        return check != 10 && (check == 11 ? 0 : check) == n[8] - '0';
    }

    /// <summary>
    /// A person's DNI (8 digits and a letter, mod 23) or NIE (X, Y, Z read as 0, 1, 2); otherwise a company's CIF,
    /// whose control is a digit or the letter of "JABCDEFGHI" at that digit.
    /// </summary>
    private static bool Spain(string n)
    {
        const string DniLetters = "TRWAGMYFPDXBNJZSQVHLCKE";
        var first = n[0];
        if (char.IsAsciiDigit(first) || first is 'X' or 'Y' or 'Z')
        {
            var number = "XYZ".IndexOf(first) is var nie and >= 0 ? nie + n[1..8] : n[..8];
            return char.IsAsciiDigit(number[^1]) && DniLetters[(int)(long.Parse(number) % 23)] == n[8];
        }
        if (!"ABCDEFGHJKLMNPQRSUVW".Contains(first)) return false;
        var sum = Digits(n[1..8]).Select((d, i) => i % 2 == 1 ? d : d * 2 / 10 + d * 2 % 10).Sum();
        var control = (10 - sum % 10) % 10;
        return n[8] == (char)('0' + control) || n[8] == "JABCDEFGHI"[control];
    }

    /// <summary>Weights 8 to 2 over 7 digits, 9 for an optional second letter (A = 1 … I = 9, W = 0), mod 23 to a letter; old ids reordered first.</summary>
    private static bool Ireland(string n)
    {
        // Old format: a digit, a letter (or + or *), 5 digits and the check letter; the same number as 0, the 5 digits and the first digit.
        var current = char.IsAsciiDigit(n[1]) ? n : "0" + n[2..7] + n[0] + n[7..];
        if (!current[..7].All(char.IsAsciiDigit)) return false;
        var sum = Weighted(current[..7], 8, 7, 6, 5, 4, 3, 2);
        if (current.Length == 9 && current[8] != 'W') sum += (current[8] - 'A' + 1) * 9;
        return "WABCDEFGHIJKLMNOPQRSTUV"[sum % 23] == current[7];
    }

    [GeneratedRegex("[ .\\-]")]
    private static partial Regex SeparatorsRemoved();

    [GeneratedRegex("^[A-Z0-9]{2,30}$")]
    private static partial Regex OtherCountry();
}
