using System.Runtime.Versioning;
using Settlement.Ledger.Database;

namespace Settlement.Tests.Ledger.Database;

/// <summary>
/// A folder for throwaway clusters. It sits under /tmp rather than TMPDIR because, when the tests run as root,
/// the postgres user must be able to walk into it.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    public string Root { get; } = Path.Combine("/tmp", $"settle-test-{Guid.NewGuid().ToString("N")[..8]}");

    public string DataDirectory => Path.Combine(Root, "pg");

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}

/// <summary>One embedded cluster in a scratch folder, shared by the tests of the collection and stopped after them.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ScratchCluster : IAsyncLifetime
{
    public const string Collection = "embedded-postgres";

    readonly ScratchFolder folder = new();

    public LocalPostgres Cluster { get; private set; } = null!;
    public string DataDirectory => folder.DataDirectory;

    public async Task InitializeAsync() => Cluster = await LocalPostgres.StartAsync(_ => { }, CancellationToken.None, folder.DataDirectory);

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        folder.Dispose();
    }
}

[CollectionDefinition(ScratchCluster.Collection)]
[UnsupportedOSPlatform("windows")]
public sealed class ScratchClusterCollection : ICollectionFixture<ScratchCluster>;
