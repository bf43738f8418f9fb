namespace Settlement.Ocpp.Connections;

/// <summary>Bounds how many charger messages are being recorded at once, host-wide.</summary>
public sealed class MessageGate(int capacity)
{
    private readonly SemaphoreSlim _slots = new(capacity, capacity);

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
