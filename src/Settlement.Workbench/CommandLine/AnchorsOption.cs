using System.CommandLine;
using Settlement.Ledger.Audit;

namespace Settlement.Workbench.CommandLine;

/// <summary>The --anchors option of every command that signs or checks anchored checkpoints: verify, checkpoint and the demo.</summary>
public static class AnchorsOption
{
    public static Option<DirectoryInfo?> Create(string purpose) => new("--anchors")
    {
        Description = $"{purpose}; the database's anchors are in DIR/<database>/{AnchorLog.FileName} (default: ${AnchorLog.EnvironmentVariable}, then ~/.settlement/anchors).",
    };
}
