using System.Collections.Concurrent;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Single-producer, single-consumer hand-off from the receive thread to the publish thread,
/// bounded, with a consumer that sleeps without spinning. BlockingCollection's semaphore spins
/// (sched_yield) before it blocks, which at a thousand execs a second cost as much CPU as the
/// collector's own work; here the consumer blocks at once and the producer wakes it only when it
/// sleeps.
/// </summary>
internal sealed class RecordQueue(int capacity) : IDisposable
{
    private readonly ConcurrentQueue<ProcessRecord> _items = new();
    private readonly ManualResetEventSlim _signal = new(initialState: false, spinCount: 1);
    private int _count;
    private volatile bool _completed;
    private int _consumerWaiting;

    /// <summary>Adds unless full (the caller counts the drop).</summary>
    public bool TryAdd(ProcessRecord record)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        // Enqueue is a full fence, so this read cannot move before it (the consumer's side of the handshake).
        _items.Enqueue(record);
        if (Volatile.Read(ref _consumerWaiting) != 0)
        {
            _signal.Set();
        }

        return true;
    }

    public void CompleteAdding()
    {
        _completed = true;
        _signal.Set();
    }

    /// <summary>Items in order until <see cref="CompleteAdding"/> and the queue is drained.</summary>
    public IEnumerable<ProcessRecord> Consume()
    {
        while (true)
        {
            while (_items.TryDequeue(out ProcessRecord? record))
            {
                Interlocked.Decrement(ref _count);
                yield return record;
            }

            if (_completed && _items.IsEmpty)
            {
                yield break;
            }

            _signal.Reset();
            Interlocked.Exchange(ref _consumerWaiting, 1);

            // Re-check after announcing the wait: an item added before the flag was visible did not signal.
            if (_items.IsEmpty && !_completed)
            {
                _signal.Wait();
            }

            Volatile.Write(ref _consumerWaiting, 0);
        }
    }

    public void Dispose() => _signal.Dispose();
}
