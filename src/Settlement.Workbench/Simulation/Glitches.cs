using Settlement.Domain.SelfHealing;

namespace Settlement.Workbench.Simulation;

/// <summary>What a simulated charger does with an UpdateFirmware: the path a test wants its firmware to take.</summary>
public enum FirmwareBehaviour
{
    /// <summary>Downloads, (2.0.1 signed: verifies), installs, reboots on the new version and reports Installed.</summary>
    Installs,
    /// <summary>Reports Downloading, then DownloadFailed; stays on its version.</summary>
    DownloadFails,
    /// <summary>Downloads and reports Installing, then InstallationFailed; stays on its version.</summary>
    InstallFails,
    /// <summary>2.0.1 with a signature: downloads, then InvalidSignature; stays on its version (1.6 has no signature and installs).</summary>
    InvalidSignature,
    /// <summary>
    /// Reports Installing, then drops its connection and stays away until the test calls
    /// <see cref="SimulatedCharger.ReconnectAsync"/>; it comes back on its old version (the install never finished).
    /// </summary>
    GoesOfflineWhileInstalling,
    /// <summary>
    /// Installs and boots on the new version, then EVSE 1 reports Faulted (1.6 errorCode InternalError) and Available
    /// again every <see cref="SimulatorOptions.FaultRepeatInterval"/>: a firmware that passes the boot and fails the
    /// health gate. It keeps faulting until another firmware is installed.
    /// </summary>
    InstallsThenFaults,
}

/// <summary>A connector fault injected by a test: its 1.6 error code and the mildest remote action that clears it (null: none does).</summary>
public sealed record ConnectorFault(string ErrorCode, HealingAction? ClearedBy);

/// <summary>A glitch injected by a test and the mildest remote action that clears it (null: none does).</summary>
public sealed record Glitch(HealingAction? ClearedBy);

/// <summary>
/// Which remote actions clear a glitch: the one named and every stronger one on the glitch's own ladder, never a
/// milder one. Actions off the ladder (e.g. UnlockConnector for a fault) never clear it.
/// </summary>
public static class GlitchLadders
{
    /// <summary>A connector fault: TriggerMessage StatusNotification, ChangeAvailability cycle, soft reset, hard reset.</summary>
    public static IReadOnlyList<HealingAction> ConnectorFault { get; } =
        [HealingAction.TriggerStatus, HealingAction.CycleAvailability, HealingAction.SoftReset, HealingAction.HardReset];

    /// <summary>A frozen meter: stopping the session, or a reset that ends it as a reboot does.</summary>
    public static IReadOnlyList<HealingAction> FrozenMeter { get; } = [HealingAction.RemoteStop, HealingAction.SoftReset, HealingAction.HardReset];

    /// <summary>Failing starts: only a reboot clears the EVSE's wedged state.</summary>
    public static IReadOnlyList<HealingAction> FailingStarts { get; } = [HealingAction.SoftReset, HealingAction.HardReset];

    public static bool Clears(IReadOnlyList<HealingAction> ladder, HealingAction? clearedBy, HealingAction action)
    {
        if (clearedBy is not { } mildest) return false;
        var rung = IndexOf(ladder, action);
        return rung >= 0 && rung >= IndexOf(ladder, mildest);
    }

    /// <exception cref="ArgumentOutOfRangeException">The action is not on the glitch's ladder.</exception>
    internal static void Require(IReadOnlyList<HealingAction> ladder, HealingAction? clearedBy, string glitch)
    {
        if (clearedBy is { } action && IndexOf(ladder, action) < 0)
            throw new ArgumentOutOfRangeException(nameof(clearedBy), action,
                $"a {glitch} is cleared by one of {string.Join(", ", ladder)}, or by none (null)");
    }

    private static int IndexOf(IReadOnlyList<HealingAction> ladder, HealingAction action)
    {
        for (var i = 0; i < ladder.Count; i++)
            if (ladder[i] == action) return i;
        return -1;
    }
}
