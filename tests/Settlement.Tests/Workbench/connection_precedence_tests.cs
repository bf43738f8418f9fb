using Settlement.Workbench.CommandLine;

namespace Settlement.Tests.Workbench;

public sealed class connection_precedence_tests : IDisposable
{
    private const string FromOption = "Host=option";
    private const string FromEnvironment = "Host=environment";
    private readonly string _folder = Directory.CreateTempSubdirectory("settle-config-").FullName;

    private string Settings(string connection)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, $$"""{ "ConnectionStrings": { "Settlement": "{{connection}}" } }""");
        return path;
    }

    [Fact]
    public void the_option_beats_the_environment_and_the_settings() =>
        Assert.Equal(FromOption, DatabaseOptions.Configured(FromOption, FromEnvironment, Settings("Host=settings")));

    [Fact]
    public void the_environment_beats_the_settings() =>
        Assert.Equal(FromEnvironment, DatabaseOptions.Configured(null, FromEnvironment, Settings("Host=settings")));

    [Fact]
    public void settings_in_the_current_directory_override_those_beside_the_binary() =>
        Assert.Equal("Host=here", DatabaseOptions.Configured(null, "", Settings("Host=binary"), Settings("Host=here")));

    [Fact]
    public void with_nothing_configured_the_embedded_cluster_is_chosen() =>
        Assert.Null(DatabaseOptions.Configured(" ", null, Path.Combine(_folder, "absent.json")));

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
