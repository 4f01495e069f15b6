using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Yamori.Sigma.Events;

namespace Yamori.Bench;

/// <summary>
/// Builds benign Windows-shaped events: either a SigmaHQ regression event with its telling fields
/// replaced (so every other field keeps its real shape), or a synthesized one with the System fields
/// and the standard Sysmon/Security EventData names. All randomness comes from one seeded
/// <see cref="Random"/>, so a workload is the same on every run and every machine.
/// </summary>
internal sealed class EventSynth(int seed)
{
    public const string SysmonChannel = "Microsoft-Windows-Sysmon/Operational";
    private const string SysmonProvider = "Microsoft-Windows-Sysmon";
    private const string SysmonGuid = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}";
    private const string SecurityProvider = "Microsoft-Windows-Security-Auditing";
    private const string SecurityGuid = "{54849625-5478-4994-A5BA-3E3B0328C30D}";

#pragma warning disable CA5394 // not security: a fixed seed is the point, the workload must be reproducible
    private readonly Random _rng = new(seed);
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly DateTime _start = new(2025, 11, 4, 0, 0, 0, DateTimeKind.Utc);
    private long _record = 100_000;

    // Per-event choices, so one event's fields agree with each other (same user in User and paths).
    private string _user = "tanaka";
    private string _doc = "議事録.docx";
    private string _host = "PC-0142.example.lg.jp";
    private DateTime _time;

    public int Next(int max) => _rng.Next(max);

    public T Pick<T>(T[] items) => items[_rng.Next(items.Length)];

    public bool Chance(double p) => _rng.NextDouble() < p;
#pragma warning restore CA5394

    /// <summary>Draws this event's user, document, host and time; call once per event before filling.</summary>
    public void Begin()
    {
        _user = Pick(BenignCatalog.Users);
        _doc = Pick(BenignCatalog.Documents);
        _host = Pick(BenignCatalog.Hosts);
        _time = _start.AddMilliseconds(_record++ * 37);
    }

    public string Account(string account) => account == BenignCatalog.Interactive ? @"EXAMPLE\" + _user : account;

    /// <summary>Fills the per-event tokens; each <c>{n}</c> gets a fresh number so command lines differ.</summary>
    public string Fill(string template)
    {
        if (template.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return template;
        }

        var sb = new StringBuilder(template).Replace("{user}", _user).Replace("{doc}", _doc);
        string s = sb.ToString();
        int at;
        while ((at = s.IndexOf("{n}", StringComparison.Ordinal)) >= 0)
        {
            s = string.Concat(s.AsSpan(0, at), Next(90_000).ToString(CultureInfo.InvariantCulture), s.AsSpan(at + 3));
        }

        return s;
    }

    /// <summary>Sysmon-style Hashes for a path: derived from the path so one image always has one hash.</summary>
    public string Hashes(string path)
    {
        if (!_hashes.TryGetValue(path, out string? h))
        {
            string sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path)));
            string imp = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path + "#imphash")));
            _hashes[path] = h = $"MD5={sha[..32]},SHA256={sha},IMPHASH={imp[..32]}";
        }

        return h;
    }

    public string UtcTime => _time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public string Guid => $"5AA13A44-{Next(0xFFFF):X4}-{Next(0xFFFF):X4}-{Next(0xFFFF):X4}-0000000{Next(0xFFFFF):X5}";

    public string Pid => (Next(4000) * 4 + 400).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A copy of <paramref name="template"/> with the given fields replaced (added when absent) and its
    /// System identity refreshed. <paramref name="overrides"/> should compare names ignoring case, as events do.
    /// </summary>
    public FlatEvent Vary(FlatEvent template, Dictionary<string, string> overrides)
    {
        var e = new FlatEvent();
        for (int i = 0; i < template.FieldCount; i++)
        {
            FieldValue v = template.GetFieldAt(i, out string name);
            string? replacement = overrides.TryGetValue(name, out string? o) ? o : Identity(name);
            e.Set(name, replacement is null ? v : new FieldValue(v.Kind == FieldKind.Number ? FieldKind.Number : FieldKind.String, replacement));
        }

        foreach (KeyValuePair<string, string> kv in overrides)
        {
            if (!e.TryGetField(kv.Key, out _))
            {
                e.Set(kv.Key, kv.Value);
            }
        }

        e.Timestamp = _time;
        return e;
    }

    /// <summary>A fresh event with the System fields a Windows event carries.</summary>
    public FlatEvent Windows(bool sysmon, int eventId, Dictionary<string, string> data)
    {
        var e = new FlatEvent();
        e.Set("Provider_Name", sysmon ? SysmonProvider : SecurityProvider);
        e.Set("Provider_Guid", sysmon ? SysmonGuid : SecurityGuid);
        Number(e, "EventID", eventId);
        Number(e, "Version", sysmon ? 5 : 2);
        Number(e, "Level", sysmon ? 4 : 0);
        Number(e, "Task", sysmon ? eventId : 12544);
        Number(e, "Opcode", 0);
        e.Set("Keywords", sysmon ? "0x8000000000000000" : "0x8020000000000000");
        e.Set("TimeCreated_SystemTime", _time.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        Number(e, "EventRecordID", _record);
        Number(e, "Execution_ProcessID", sysmon ? 3308 : 748);
        Number(e, "Execution_ThreadID", 4000 + Next(400));
        e.Set("Channel", sysmon ? SysmonChannel : "Security");
        e.Set("Computer", _host);
        if (sysmon)
        {
            e.Set("Security_UserID", "S-1-5-18");
        }

        foreach (KeyValuePair<string, string> kv in data)
        {
            e.Set(kv.Key, kv.Value);
        }

        e.Timestamp = _time;
        return e;
    }

    private static void Number(FlatEvent e, string name, long value) =>
        e.Set(name, new FieldValue(FieldKind.Number, value.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Fields that identify one occurrence: varied on every copy, as they are in a real log.</summary>
    private string? Identity(string name) => name switch
    {
        "EventRecordID" => _record.ToString(CultureInfo.InvariantCulture),
        "Computer" => _host,
        "TimeCreated_SystemTime" => _time.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
        "UtcTime" or "CreationUtcTime" => UtcTime,
        "ProcessGuid" => Guid,
        "ProcessId" => Pid,
        _ => null,
    };
}
