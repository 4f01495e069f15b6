using Yamori.Agent.Pipeline;

namespace Yamori.Agent.Tests.Pipeline;

/// <summary>The uplink's wake-up: coalescing, never lost, and cheap when already set.</summary>
public sealed class AsyncSignalTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task Many_sets_before_a_wait_wake_it_once_and_a_set_after_the_wake_is_kept()
    {
        var signal = new AsyncSignal();
        Assert.False(await signal.WaitAsync(Short, CancellationToken.None));

        for (int i = 0; i < 1000; i++)
        {
            signal.Set();
        }

        Assert.True(await signal.WaitAsync(Short, CancellationToken.None));
        Assert.False(await signal.WaitAsync(Short, CancellationToken.None)); // coalesced into one wake

        signal.Set();
        Assert.True(await signal.WaitAsync(Short, CancellationToken.None));
    }

    [Fact]
    public async Task A_waiter_is_woken_by_a_set_from_another_thread()
    {
        var signal = new AsyncSignal();
        Task<bool> waiting = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Run(signal.Set);
        Assert.True(await waiting);
    }

    [Fact]
    public void Setting_an_already_set_signal_throws_nothing_inside()
    {
        var signal = new AsyncSignal();
        int thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is SemaphoreFullException)
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (int i = 0; i < 100; i++)
            {
                signal.Set();
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, thrown);
    }
}
