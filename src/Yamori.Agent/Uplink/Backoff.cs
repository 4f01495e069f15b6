namespace Yamori.Agent.Uplink;

/// <summary>
/// Jittered exponential reconnect delays ("full jitter"): after an outage, thousands of agents of a
/// prefecture must not reconnect in the same second and flatten the cloud they are waiting for.
/// </summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _attempt;

    public TimeSpan Next()
    {
        double ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(min.TotalMilliseconds + (_random.NextDouble() * (ceiling - min.TotalMilliseconds)));
    }

    public void Reset() => _attempt = 0;
}
