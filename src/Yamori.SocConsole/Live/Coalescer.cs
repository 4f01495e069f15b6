namespace Yamori.SocConsole.Live;

/// <summary>
/// Runs a page's refresh at most once per interval however often it is asked for: a burst of
/// incidents during an attack becomes one re-read per page, and the re-read never runs on the
/// thread that raised the event (detection's or a request's), because it starts after a delay.
/// </summary>
public sealed class Coalescer(TimeSpan delay, Func<Task> refresh)
{
    private int _scheduled;

    public void Request()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        await Task.Delay(delay).ConfigureAwait(false);
        Volatile.Write(ref _scheduled, 0);
        try
        {
            await refresh().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The page closed while the refresh waited.
        }
    }
}
