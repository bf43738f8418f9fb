using Settlement.Domain.Invoicing;

namespace Settlement.Tests.Invoicing.Registrations;

/// <summary>
/// VAT ids of each country's format, with the check digit where the country defines one. The valid ids are the examples
/// the tax administrations' check digit rules are usually illustrated with, and fictitious ones computed by those rules;
/// each invalid one differs from a valid one in its shape or a single digit.
/// </summary>
public sealed class vat_id_tests
{
    public static TheoryData<string, string> Valid => new()
    {
        { "AT", "ATU13585627" },
        { "BE", "BE0403019261" },
        { "DE", "DE136695976" },
        { "DE", "DE300000002" },
        { "DK", "DK13585628" },
        { "FI", "FI20774740" },
        { "FR", "FR40303265045" },
        { "FR", "FR68300000002" },
        { "IT", "IT00743110157" },
        { "NL", "NL004495445B01" },
        { "NL", "NL000099998B57" },
        { "NL", "NL300000005B01" },
        { "ES", "ES54362315K" },
        { "ES", "ESX2482300W" },
        { "ES", "ESB58378431" },
        { "PL", "PL8567346215" },
        { "PT", "PT501964843" },
        { "SE", "SE123456789701" },
        { "LU", "LU15027442" },
        { "IE", "IE6433435F" },
        { "IE", "IE6433435OA" },
        { "IE", "IE8D79739I" },
        { "GR", "EL094259216" },
        { "GB", "GB980780684" },
        { "NO", "NO995525828MVA" },
        { "CH", "CHE-107.787.577 IVA" },
        { "CH", "CHE300000007" },
        { "DE", "DE 136 695 976" },
    };

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "DE", "DESTW00001", "a German VAT id is DE followed by 9 digits with a check digit" },
        { "DE", "DE136695977", "a German VAT id is DE followed by 9 digits with a check digit" },
        { "DE", "DE036695976", "a German VAT id is DE followed by 9 digits with a check digit" },
        { "DE", "FR40303265045", "a German VAT id is DE followed by 9 digits with a check digit" },
        { "AT", "AT13585627", "an Austrian VAT id is ATU followed by 8 digits with a check digit" },
        { "AT", "ATU13585626", "an Austrian VAT id is ATU followed by 8 digits with a check digit" },
        { "BE", "BE0403019262", "a Belgian VAT id is BE followed by 10 digits (starting 0 or 1) with a check number" },
        { "DK", "DK13585629", "a Danish VAT id is DK followed by 8 digits with a check digit" },
        { "FI", "FI20774741", "a Finnish VAT id is FI followed by 8 digits with a check digit" },
        { "FR", "FR41303265045", "a French VAT id is FR followed by a 2-character key and the 9-digit SIREN" },
        { "IT", "IT00743110158", "an Italian VAT id is IT followed by 11 digits with a check digit" },
        { "NL", "NL004495446B01", "a Dutch VAT id is NL followed by 9 digits, B and 2 digits, with a check digit" },
        { "NL", "NL004495445", "a Dutch VAT id is NL followed by 9 digits, B and 2 digits, with a check digit" },
        { "ES", "ES54362315J", "a Spanish VAT id is ES followed by a letter or digit, 7 digits and a check letter or digit" },
        { "PL", "PL8567346216", "a Polish VAT id is PL followed by 10 digits with a check digit" },
        { "PT", "PT501964844", "a Portuguese VAT id is PT followed by 9 digits with a check digit" },
        { "SE", "SE123456789801", "a Swedish VAT id is SE followed by 10 digits with a check digit and 01" },
        { "LU", "LU15027443", "a Luxembourg VAT id is LU followed by 8 digits with a check number" },
        { "IE", "IE6433435E", "an Irish VAT id is IE followed by 7 digits and a check letter (and an optional second letter)" },
        { "GR", "GR094259216", "a Greek VAT id is EL followed by 9 digits" },
        { "NO", "NO995525829MVA", "a Norwegian VAT id is NO followed by the 9-digit organisation number with a check digit and MVA" },
        { "CH", "CHE-107.787.578", "a Swiss VAT id is CHE followed by 9 digits with a check digit (and MWST, TVA or IVA)" },
        { "US", "not/an id", "a VAT id is 2 to 30 letters and digits" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void an_id_of_its_countrys_format_and_check_digit_is_valid(string country, string vatId) =>
        Assert.Null(VatIds.Validate(country, vatId));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void an_id_of_another_shape_or_a_wrong_check_digit_is_refused_with_the_shape_expected(string country, string vatId, string expected) =>
        Assert.Equal(expected, VatIds.Validate(country, vatId));

    [Theory]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("DE89 3704 0044 0532 0130 00", true)]
    [InlineData("GB29NWBK60161331926819", true)]
    [InlineData("DE88370400440532013000", false)]
    [InlineData("DE8937040044053201300", false)]
    [InlineData("not an iban", false)]
    public void an_iban_is_checked_by_mod_97(string iban, bool valid) => Assert.Equal(valid, Ibans.IsValid(iban));
}
