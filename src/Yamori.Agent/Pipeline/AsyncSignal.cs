namespace Yamori.Agent.Pipeline;

/// <summary>A wake-up that coalesces: many <see cref="Set"/> calls before a wait release it once.</summary>
internal sealed class AsyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: the waiter will look at everything that arrived.
        }
    }

    /// <summary>True when set, false when the timeout passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
