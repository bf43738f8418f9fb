namespace Settlement.Tests;

/// <summary>
/// Files the tests read from the source tree (schemas, the Node client), found from the test's output
/// folder upwards by the solution file, and the public reference data they read in place beside it.
/// </summary>
internal static class RepositoryFiles
{
    // Lazy so a missing checkout layout surfaces as a readable failure rather than a TypeInitializationException.
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Settlement.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} contains Settlement.sln");
    });

    public static string Root => RootFolder.Value;

    /// <summary>The committed schemas: <c>schemas/</c>.</summary>
    public static string Schemas => Path.Combine(Root, "schemas");

    /// <summary>
    /// Public reference data, not the project's to keep: <c>../shared/reference</c> from the repository
    /// root, where every checkout and CI have it (see its README). Tests read it there and are skipped
    /// without it (<see cref="ReferenceDataFactAttribute"/>).
    /// </summary>
    // SETTLE_REFERENCE_DIR, when set, is the reference folder instead (a checkout not beside shared/, or a missing path to see the tests skip).
    public static string Reference => Path.GetFullPath(ReferenceOverride ?? Path.Combine(Root, "..", "shared", "reference"));

    private static string? ReferenceOverride =>
        Environment.GetEnvironmentVariable("SETTLE_REFERENCE_DIR") is { Length: > 0 } overridden ? overridden : null;

    /// <summary>A folder of the reference data, e.g. <c>ev-chart</c>.</summary>
    public static string ReferenceFolder(string folder) => Path.Combine(Reference, folder);

    /// <summary>Why tests needing <paramref name="folder"/> cannot run, or null when it is there.</summary>
    public static string? MissingReference(string folder)
    {
        var path = ReferenceFolder(folder);
        return Directory.Exists(path)
            ? null
            : $"reference data not found: {path} does not exist (public reference data is read in place from "
              + (ReferenceOverride is null ? "../shared/reference beside the repository root" : "SETTLE_REFERENCE_DIR") + ", never copied into the repository)";
    }

    /// <summary>EV-ChART's published definitions, samples and expected outcomes: <c>ev-chart/</c>.</summary>
    public static string EvChart(string relativePath) => Path.Combine(ReferenceFolder(EvChartFolder), relativePath);

    public static string EvChartSample(string file) => EvChart(Path.Combine("sample_data", file));

    public const string EvChartFolder = "ev-chart";

    /// <summary>A file of one of the OCPI reference calculator's cases: <c>ocpi-tariff-cases/cases/{case}/</c>.</summary>
    public static string OcpiTariffCase(string @case, string file) =>
        Path.Combine(ReferenceFolder(OcpiTariffCasesFolder), "cases", @case, file);

    public const string OcpiTariffCasesFolder = "ocpi-tariff-cases";
}
