using System.Globalization;
using System.Net;
using System.Text;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Linux.Logon;

/// <summary>
/// Logon success and failure (sshd, login, su, sudo) on hosts without a journal: follows wtmp
/// (successful logins), btmp (failed logins) and syslog auth files from their end, across
/// rotation and truncation.
/// <para>
/// Auth-log lines become events with Source (linux, -, service): service "sshd" or "sudo" for
/// those programs, else "auth", the raw line in <c>Message</c>, so SigmaHQ's keyword rules for
/// those services match unchanged. Lines that record a logon also carry the normalized fields
/// EventType "logon", Outcome ("success"/"failure"), LogonType ("ssh", "su", "sudo", "console"),
/// User, TargetUser, SourceIp, Terminal. wtmp/btmp records become Source (linux, logon, -) events
/// with the same normalized fields plus ProcessId and SourceHostname.
/// </para>
/// </summary>
public sealed class LogonCollector : ICollector
{
    private static readonly LogSourceHint LogonSource = new("linux", "logon", null);
    private static readonly LogSourceHint AuthSource = new("linux", null, "auth");
    private static readonly LogSourceHint SshdSource = new("linux", null, "sshd");
    private static readonly LogSourceHint SudoSource = new("linux", null, "sudo");

    private readonly LogonCollectorOptions _options;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private long _published;
    private long _shed;
    private long _truncatedLines;
    private long _droppedPartialRecords;
    private long _rotations;
    private long _stateSaveFailures;

    public LogonCollector(LogonCollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Name => "logon";

    /// <summary>Completes once every source is positioned at its end: from then on nothing appended is missed.</summary>
    public Task Ready => _ready.Task;

    public long Published => Interlocked.Read(ref _published);

    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Auth-log lines longer than <see cref="LogonCollectorOptions.MaxLineLength"/>, published cut.</summary>
    public long TruncatedLines => Interlocked.Read(ref _truncatedLines);

    /// <summary>Incomplete utmp records left at the end of a file that was then rotated or truncated.</summary>
    public long DroppedPartialRecords => Interlocked.Read(ref _droppedPartialRecords);

    /// <summary>Rotations and truncations seen across all sources.</summary>
    public long Rotations => Interlocked.Read(ref _rotations);

    /// <summary>Times the read positions could not be saved to <see cref="LogonCollectorOptions.StatePath"/>.</summary>
    public long StateSaveFailures => Interlocked.Read(ref _stateSaveFailures);

    public async Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a LogonCollector runs once; create a new one to restart");
        }

        var sources = new List<TailedSource>();
        TailState? state = _options.StatePath is null ? null : new TailState(_options.StatePath);
        try
        {
            Dictionary<string, TailPosition> saved = state?.Load() ?? [];
            if (!string.IsNullOrEmpty(_options.WtmpPath))
            {
                sources.Add(new UtmpSource(new FileTail(_options.WtmpPath, saved.GetValueOrDefault(_options.WtmpPath)), failures: false));
            }

            if (!string.IsNullOrEmpty(_options.BtmpPath))
            {
                sources.Add(new UtmpSource(new FileTail(_options.BtmpPath, saved.GetValueOrDefault(_options.BtmpPath)), failures: true));
            }

            foreach (string path in _options.AuthLogPaths ?? [])
            {
                sources.Add(new AuthLogSource(new FileTail(path, saved.GetValueOrDefault(path)), _options.MaxLineLength));
            }

            _ready.TrySetResult();
            byte[] buffer = new byte[64 * 1024];
            using var timer = new PeriodicTimer(_options.PollInterval);
            do
            {
                foreach (TailedSource s in sources)
                {
                    Poll(s, buffer, sink);
                }

                SaveState(state, sources);
            }
            while (await WaitAsync(timer, cancellationToken));

            // A last look, so that what was written just before shutdown is not left behind.
            foreach (TailedSource s in sources)
            {
                Poll(s, buffer, sink);
                if (s is AuthLogSource auth)
                {
                    auth.FlushPartial(line => PublishLine(sink, auth.Tail.Path, line));
                }
            }

            SaveState(state, sources);
        }
        catch (Exception ex)
        {
            SaveState(state, sources);
            _ready.TrySetException(ex);
            throw;
        }
        finally
        {
            foreach (TailedSource s in sources)
            {
                s.Tail.Dispose();
            }
        }
    }

    private void SaveState(TailState? state, List<TailedSource> sources)
    {
        if (state is null)
        {
            return;
        }

        try
        {
            state.Save(sources
                .Where(s => s.Tail.Position is not null)
                .Select(s => (s.Tail.Path, s.Tail.Position! with { Offset = s.Tail.Position!.Offset - s.Carried })));
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _stateSaveFailures);
        }
        catch (UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _stateSaveFailures);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Poll(TailedSource source, byte[] buffer, ITelemetrySink sink)
    {
        long rotationsBefore = source.Tail.Rotations;
        while (true)
        {
            int n;
            bool restarted;
            try
            {
                n = source.Tail.Read(buffer, out restarted);
            }
            catch (IOException)
            {
                // Unreadable for now (e.g. being replaced); the next poll tries again.
                break;
            }

            if (restarted)
            {
                switch (source)
                {
                    case UtmpSource u:
                        if (u.DropPartial())
                        {
                            Interlocked.Increment(ref _droppedPartialRecords);
                        }

                        break;
                    case AuthLogSource a:
                        a.FlushPartial(line => PublishLine(sink, a.Tail.Path, line));
                        break;
                }
            }

            if (n == 0)
            {
                break;
            }

            ReadOnlySpan<byte> data = buffer.AsSpan(0, n);
            switch (source)
            {
                case UtmpSource u:
                    u.Feed(data, record => PublishRecord(sink, u, record));
                    break;
                case AuthLogSource a:
                    a.Feed(data, line => PublishLine(sink, a.Tail.Path, line), () => Interlocked.Increment(ref _truncatedLines));
                    break;
            }
        }

        Interlocked.Add(ref _rotations, source.Tail.Rotations - rotationsBefore);
    }

    private void PublishRecord(ITelemetrySink sink, UtmpSource source, UtmpRecord r)
    {
        if (!source.Failures && r.Type != UtmpRecord.UserProcess)
        {
            // wtmp also holds logouts, boots and run-level changes; only logins are logon events.
            return;
        }

        var e = new FlatEvent { Source = LogonSource, Timestamp = r.Time };
        e.Set("EventType", "logon");
        e.Set("Outcome", source.Failures ? "failure" : "success");
        e.Set("LogonType", LogonTypeOf(r));
        e.Set("User", r.User);
        string? ip = r.Address?.ToString();
        if (ip is null && IPAddress.TryParse(r.Host, out IPAddress? parsed))
        {
            ip = parsed.ToString();
        }

        if (ip is not null)
        {
            e.Set("SourceIp", ip);
        }

        if (r.Host.Length > 0)
        {
            e.Set("SourceHostname", r.Host);
        }

        e.Set("Terminal", r.Line);
        e.Set("ProcessId", r.Pid.ToString(CultureInfo.InvariantCulture));
        e.Set("LogFile", source.Tail.Path);
        Publish(sink, e);
    }

    /// <summary>sshd records "ssh:notty" (failures) or a pts with the client host; local terminals have no host.</summary>
    internal static string LogonTypeOf(UtmpRecord r) =>
        r.Line.StartsWith("ssh", StringComparison.Ordinal) ||
        (r.Line.StartsWith("pts/", StringComparison.Ordinal) && r.Host.Length > 0 && r.Host[0] != ':')
            ? "ssh"
            : "console";

    private void PublishLine(ITelemetrySink sink, string path, string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        AuthLine parsed = AuthLineParser.Parse(line, DateTime.Now);
        var e = new FlatEvent
        {
            Source = parsed.Program switch
            {
                "sshd" => SshdSource,
                "sudo" => SudoSource,
                _ => AuthSource,
            },
            Timestamp = parsed.Time ?? DateTimeOffset.UtcNow,
        };
        e.Set("Message", line);
        if (parsed.Program is not null)
        {
            e.Set("ProcessName", parsed.Program);
        }

        if (parsed.Pid is int pid)
        {
            e.Set("ProcessId", pid.ToString(CultureInfo.InvariantCulture));
        }

        if (parsed.Host is not null)
        {
            e.Set("Hostname", parsed.Host);
        }

        if (parsed.Logon is { } logon)
        {
            e.Set("EventType", "logon");
            e.Set("Outcome", logon.Outcome);
            e.Set("LogonType", logon.LogonType);
            Optional(e, "User", logon.User);
            Optional(e, "TargetUser", logon.TargetUser);
            Optional(e, "SourceIp", logon.SourceIp);
            Optional(e, "Terminal", logon.Terminal);
        }

        e.Set("LogFile", path);
        Publish(sink, e);
    }

    private static void Optional(FlatEvent e, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            e.Set(name, value);
        }
    }

    private void Publish(ITelemetrySink sink, FlatEvent e)
    {
        if (sink.Publish(e, EventPriority.Normal))
        {
            Interlocked.Increment(ref _published);
        }
        else
        {
            Interlocked.Increment(ref _shed);
        }
    }
}
