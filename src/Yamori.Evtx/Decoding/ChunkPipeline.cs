using System.Buffers;

namespace Yamori.Evtx.Decoding;

/// <summary>
/// Ordered chunk-parallel decoding. Helpers on the thread pool take chunks in file order; the
/// consuming thread takes the head chunk itself whenever no helper has started it, so progress
/// never waits for a pool thread (no starvation when callers already run on the pool, for
/// instance one file per Parallel.ForEach iteration).
/// </summary>
internal sealed class ChunkPipeline(Func<int, ReadOnlyMemory<byte>, EvtxChunk> decode, int helpers)
{
    private readonly Lock _lock = new();
    private readonly Queue<Job> _order = new();
    private readonly Queue<Job> _todo = new();
    private int _workers;

    public int Count => _order.Count;

    /// <summary>Queues a read chunk; <paramref name="rented"/> goes back to the pool once decoded.</summary>
    public void Add(int index, ReadOnlyMemory<byte> data, byte[]? rented)
    {
        var job = new Job(index, data, rented);
        _order.Enqueue(job);
        bool spawn = false;
        lock (_lock)
        {
            _todo.Enqueue(job);
            if (_workers < helpers)
            {
                _workers++;
                spawn = true;
            }
        }

        if (spawn)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.Work(), this, preferLocal: false);
        }
    }

    /// <summary>Queues an already finished chunk (a read error) so it is reported in order.</summary>
    public void AddDone(EvtxChunk chunk) => _order.Enqueue(Job.Finished(chunk));

    /// <summary>The next chunk in file order: decoded here if nobody started it, else awaited.</summary>
    public EvtxChunk TakeHead()
    {
        Job head = _order.Dequeue();
        head.Run(decode);
        return head.Wait();
    }

    /// <summary>Abandons chunks not yet started (returning their buffers) and waits for running ones.</summary>
    public void Drain()
    {
        lock (_lock)
        {
            _todo.Clear();
        }

        foreach (Job j in _order)
        {
            j.Cancel();
            j.Wait();
        }

        _order.Clear();
    }

    private void Work()
    {
        while (true)
        {
            Job? job;
            lock (_lock)
            {
                if (!_todo.TryDequeue(out job))
                {
                    _workers--;
                    return;
                }
            }

            job.Run(decode);
        }
    }

    private sealed class Job(int index, ReadOnlyMemory<byte> data, byte[]? rented)
    {
        private const int Pending = 0;
        private const int Running = 1;
        private const int Done = 2;

        private int _state;
        private EvtxChunk? _result;

        public static Job Finished(EvtxChunk chunk) => new(chunk.Index, default, null) { _state = Done, _result = chunk };

        /// <summary>Decodes unless another thread already took (or cancelled) this chunk.</summary>
        public void Run(Func<int, ReadOnlyMemory<byte>, EvtxChunk> decode)
        {
            if (Interlocked.CompareExchange(ref _state, Running, Pending) != Pending)
            {
                return;
            }

            EvtxChunk result;
            try
            {
                result = decode(index, data);
            }
            catch (Exception ex)
            {
                // The decoder reports damage itself; this only guards the pipeline's ordering.
                result = new EvtxChunk(index, 0, [], [new EvtxDiagnostic(EvtxDiagnosticKind.ChunkHeaderInvalid, EvtxSeverity.Error, index, 0, "chunk could not be decoded: " + ex.Message)]);
            }

            Finish(result);
        }

        public void Cancel()
        {
            if (Interlocked.CompareExchange(ref _state, Running, Pending) == Pending)
            {
                Finish(new EvtxChunk(index, 0, [], []));
            }
        }

        public EvtxChunk Wait()
        {
            if (Volatile.Read(ref _state) != Done)
            {
                lock (this)
                {
                    while (_state != Done)
                    {
                        Monitor.Wait(this);
                    }
                }
            }

            return _result!;
        }

        private void Finish(EvtxChunk result)
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            lock (this)
            {
                _result = result;
                Volatile.Write(ref _state, Done);
                Monitor.PulseAll(this);
            }
        }
    }
}
