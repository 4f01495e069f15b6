using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>How detection turns matches into alerts and incidents.</summary>
public sealed record DetectionOptions
{
    /// <summary>A match within this time after an alert's last seen event merges into it (default 10 minutes).</summary>
    public TimeSpan AlertMergeWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>An alert joins an open incident of the same device or user whose last activity is this recent (default 30 minutes).</summary>
    public TimeSpan IncidentWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Raw event ids kept per alert; the count stays exact beyond (default 20).</summary>
    public int MaxEventIdsPerAlert { get; init; } = 20;

    /// <summary>
    /// Rules below this level are off by default (a tenant may still enable them one by one).
    /// Default: every loaded rule is on.
    /// </summary>
    public SigmaLevel MinimumLevel { get; init; } = SigmaLevel.Informational;

    /// <summary>Workers matching batches of different devices in parallel (default: processor count).</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Severity of telemetry-integrity alerts (default high).</summary>
    public SigmaLevel IntegrityAlertLevel { get; init; } = SigmaLevel.High;

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        if (AlertMergeWindow < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AlertMergeWindow), AlertMergeWindow, "AlertMergeWindow must not be negative");
        }

        if (IncidentWindow < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IncidentWindow), IncidentWindow, "IncidentWindow must not be negative");
        }

        if (MaxEventIdsPerAlert < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventIdsPerAlert), MaxEventIdsPerAlert, "MaxEventIdsPerAlert must be at least 1");
        }

        if (MaxParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, "MaxParallelism must be at least 1");
        }
    }
}
