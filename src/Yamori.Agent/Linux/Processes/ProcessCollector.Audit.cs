using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// The audit fallback: an exec whose /proc entry had gone takes its command line (and image,
/// working directory, user and login uid when those are missing too) from the kernel's audit records. The
/// publisher does the waiting, so the receive thread never stalls on it; events stay in order and
/// each is published once, at most <see cref="ProcessCollectorOptions.AuditWait"/> late.
/// </summary>
public sealed partial class ProcessCollector
{
    private long _fromAudit;
    private long _withoutCommandLine;
    private volatile string _auditState = "not started";

    /// <summary>Exec events whose command line came from the audit record (the process was gone from /proc).</summary>
    public long CommandLinesFromAudit => Interlocked.Read(ref _fromAudit);

    /// <summary>Exec events published without a command line (neither /proc nor audit had it in time).</summary>
    public long CommandLinesMissing => Interlocked.Read(ref _withoutCommandLine);

    /// <summary>"active", "off", or why the audit fallback is unavailable.</summary>
    public string AuditFallbackState => _auditState;

    /// <summary>The running audit feed, if any (its counters; tests).</summary>
    public AuditExecFeed? AuditFeed { get; private set; }

    private AuditExecFeed? OpenAuditFeed()
    {
        if (_options.AuditFallback == AuditFallbackMode.Off || !OperatingSystem.IsLinux())
        {
            _auditState = "off";
            return null;
        }

        try
        {
            AuditExecFeed feed = AuditExecFeed.Open(new AuditFeedOptions
            {
                EnableAudit = _options.AuditFallback == AuditFallbackMode.EnableAudit,
                MaxCommandLineBytes = _options.MaxCommandLineBytes,
            });
            _auditState = "active";
            AuditFeed = feed;
            return feed;
        }
        catch (CollectorUnavailableException ex)
        {
            _auditState = "unavailable: " + ex.Message;
            LogAuditUnavailable(_logger, ex.Message);
            return null;
        }
    }

    private void CloseAuditFeed(AuditExecFeed? feed)
    {
        if (feed is not null)
        {
            feed.Dispose();
            _auditState = "stopped (was active)";
        }
    }

    /// <summary>On the publisher thread, before an exec event is built.</summary>
    private void CompleteFromAudit(ProcessRecord record, AuditExecFeed? feed)
    {
        if (feed is null)
        {
            if (record.CommandLine is null)
            {
                Interlocked.Increment(ref _withoutCommandLine);
            }

            return;
        }

        AuditExecLookup lookup = feed.Lookup;
        if (record.CommandLine is not null)
        {
            // Claimed all the same, so the entry is not handed to this pid's next exec.
            _ = lookup.Claim(record.ProcessId, record.Timestamp, leaveDebt: true);
            return;
        }

        long deadline = record.CapturedTicks + (long)(_options.AuditWait.TotalSeconds * Stopwatch.Frequency);
        AuditExec? exec;
        while (true)
        {
            long version = lookup.Version;
            long now = Stopwatch.GetTimestamp();
            bool last = now >= deadline;
            exec = lookup.Claim(record.ProcessId, record.Timestamp, leaveDebt: last);
            if (exec is not null || last)
            {
                break;
            }

            lookup.WaitForArrival(version, Stopwatch.GetElapsedTime(now, deadline));
        }

        if (exec is null)
        {
            Interlocked.Increment(ref _withoutCommandLine);
            return;
        }

        record.CommandLine = exec.CommandLine;
        record.Image ??= exec.Image;
        record.CurrentDirectory ??= exec.CurrentDirectory;
        record.Uid ??= exec.Uid;
        record.LoginUid ??= exec.LoginUid;
        if (record.ParentProcessId <= 0 && exec.ParentProcessId > 0)
        {
            record.ParentProcessId = exec.ParentProcessId;
        }

        Interlocked.Increment(ref _fromAudit);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit fallback for command lines of short-lived processes unavailable: {Reason}")]
    private static partial void LogAuditUnavailable(ILogger logger, string reason);
}
