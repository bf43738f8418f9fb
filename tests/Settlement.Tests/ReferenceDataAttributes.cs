namespace Settlement.Tests;

/// <summary>
/// A fact that reads a folder of the public reference data (<see cref="RepositoryFiles.Reference"/>);
/// skipped, naming the missing path, where that folder is not there.
/// </summary>
public sealed class ReferenceDataFactAttribute : FactAttribute
{
    public ReferenceDataFactAttribute(string folder) => Skip = RepositoryFiles.MissingReference(folder);
}

/// <summary>
/// A theory that reads a folder of the public reference data; skipped as one case, naming the missing
/// path, where that folder is not there. A skipped theory's data is never enumerated, so member data
/// listing the folder's files is not read at discovery.
/// </summary>
public sealed class ReferenceDataTheoryAttribute : TheoryAttribute
{
    public ReferenceDataTheoryAttribute(string folder) => Skip = RepositoryFiles.MissingReference(folder);
}
