using PdfSharp;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>
/// PDFsharp 6.5 refuses to create a document until the process has chosen its licence: the AGPL or a
/// commercial key. Which one the product ships with is the owner's decision and is not made in
/// Settlement.Documents. Tests run the library on a developer's machine and convey nothing to anyone,
/// so they choose the AGPL for their own process only. Do not copy this into the host.
/// </summary>
public static class PdfSharpLicence
{
    private static readonly Lazy<bool> Chosen = new(() =>
    {
        PdfSharpLicense.SetAgplLicense();
        return true;
    });

    public static void ChooseAgplForTests() => _ = Chosen.Value;
}
