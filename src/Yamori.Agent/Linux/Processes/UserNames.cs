using System.Globalization;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// uid → user name from /etc/passwd, cached. The file is parsed again only when a uid is missing
/// and the file changed since the last parse (a new account), so lookups stay dictionary reads.
/// A uid with no account is reported as its number, which is what <c>ps</c> shows too.
/// </summary>
public sealed class UserNames
{
    private readonly string _passwdPath;
    private readonly Lock _gate = new();
    private Dictionary<uint, string> _names = [];
    private DateTime _parsedWriteTime = DateTime.MinValue;

    public UserNames(string passwdPath = "/etc/passwd")
    {
        _passwdPath = passwdPath;
        Reload();
    }

    /// <summary>Shared instance over /etc/passwd.</summary>
    public static UserNames Shared { get; } = new();

    public string Lookup(uint uid)
    {
        Dictionary<uint, string> names = Volatile.Read(ref _names);
        if (names.TryGetValue(uid, out string? name))
        {
            return name;
        }

        lock (_gate)
        {
            Reload();
            if (!_names.TryGetValue(uid, out name))
            {
                // Cached too, so an unknown uid does not re-stat the file on every event.
                name = uid.ToString(CultureInfo.InvariantCulture);
                var copy = new Dictionary<uint, string>(_names) { [uid] = name };
                Volatile.Write(ref _names, copy);
            }

            return name;
        }
    }

    private void Reload()
    {
        DateTime writeTime;
        try
        {
            writeTime = File.GetLastWriteTimeUtc(_passwdPath);
            if (writeTime == _parsedWriteTime)
            {
                return;
            }
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        var names = new Dictionary<uint, string>();
        try
        {
            foreach (string line in File.ReadLines(_passwdPath))
            {
                // name:password:uid:gid:gecos:home:shell
                string[] parts = line.Split(':');
                if (parts.Length >= 3 && uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
                {
                    names.TryAdd(uid, parts[0]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No readable passwd (a minimal container): users are reported by uid, collection goes on.
            return;
        }

        _parsedWriteTime = writeTime;
        Volatile.Write(ref _names, names);
    }
}
