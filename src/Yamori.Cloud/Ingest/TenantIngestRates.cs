using System.Collections.Concurrent;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Events committed per tenant over the last minute, for the console's dashboard. Sits in front of
/// the real sink (detection) and counts each committed group before passing it on: a handful of
/// adds per group, nothing per event.
/// </summary>
public sealed class TenantIngestRates(IEventSink next, TimeProvider time) : IEventSink
{
    private const int Buckets = 60;

    private readonly ConcurrentDictionary<TenantId, Window> _windows = new();

    public async ValueTask OnCommittedAsync(IReadOnlyList<CommittedBatch> batches, CancellationToken cancellationToken)
    {
        long second = time.GetUtcNow().ToUnixTimeSeconds();
        for (int i = 0; i < batches.Count; i++)
        {
            CommittedBatch batch = batches[i];
            _windows.GetOrAdd(batch.Tenant, static _ => new Window()).Add(second, batch.Events.Count);
        }

        await next.OnCommittedAsync(batches, cancellationToken);
    }

    /// <summary>Average events per second of <paramref name="tenant"/> over the last minute.</summary>
    public double PerSecond(TenantId tenant) =>
        _windows.TryGetValue(tenant, out Window? window) ? window.Sum(time.GetUtcNow().ToUnixTimeSeconds()) / (double)Buckets : 0;

    /// <summary>A ring of one-second buckets; a bucket is reset when its second comes round again.</summary>
    private sealed class Window
    {
        private readonly long[] _seconds = new long[Buckets];
        private readonly long[] _counts = new long[Buckets];
        private readonly Lock _gate = new();

        public void Add(long second, int events)
        {
            int slot = (int)(second % Buckets);
            lock (_gate)
            {
                if (_seconds[slot] != second)
                {
                    _seconds[slot] = second;
                    _counts[slot] = 0;
                }

                _counts[slot] += events;
            }
        }

        public long Sum(long now)
        {
            long sum = 0;
            lock (_gate)
            {
                for (int i = 0; i < Buckets; i++)
                {
                    if (now - _seconds[i] < Buckets)
                    {
                        sum += _counts[i];
                    }
                }
            }

            return sum;
        }
    }
}
