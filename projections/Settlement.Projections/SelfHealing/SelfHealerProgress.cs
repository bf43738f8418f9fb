using Marten;
using Settlement.Domain.SelfHealing;

namespace Settlement.Projections.SelfHealing;

/// <summary>
/// The self-healer's progress, kept beside the ledger (no event derives it): what detection knows, up to
/// <see cref="DetectorState.LastSequence"/>. A host that takes over the self-healer resumes from here without reading
/// the history again, and without acting twice on what the one before it acted on.
/// </summary>
public sealed record SelfHealerProgress(string Id, DetectorState State) : Settlement.Ledger.Store.IFollowerProgress
{
    public const string Key = "self-healer";
}

public static class SelfHealerProgressDocument
{
    public static StoreOptions AddSelfHealerProgress(this StoreOptions options)
    {
        options.Schema.For<SelfHealerProgress>();
        return options;
    }
}
