namespace Settlement.Ledger.Store;

/// <summary>
/// A document a host keeps beside the ledger to remember how far one of its followers read (the OCPI relay, the
/// self-healer): no event derives it, so no replay reproduces it, and comparing it with a replay would be a false alarm.
/// </summary>
public interface IFollowerProgress;
