using System.Diagnostics;
using System.Reflection;

namespace Yamori.Agent.Packaging;

/// <summary>
/// <c>install</c> / <c>uninstall</c>: the single-file binary to <c>/usr/local/bin</c>, the hardened
/// systemd unit to <c>/etc/systemd/system</c>, the owner-only data directory, and systemd told about
/// it when systemd runs here. <see cref="Root"/> lets packaging (and tests) install into a staging
/// tree instead of <c>/</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServiceInstaller(string root, TextWriter output)
{
    public const string UnitName = "yamori-agent.service";

    public string Root { get; } = root;

    public string BinaryPath => Under("usr/local/bin/yamori-agent");

    public string UnitPath => Under("etc/systemd/system/" + UnitName);

    /// <summary>The data directory as the service sees it (not prefixed by <see cref="Root"/>).</summary>
    public static string ServiceDataDirectory => "/var/lib/yamori-agent";

    public static string UnitTemplate()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(UnitName)
            ?? throw new InvalidOperationException("the systemd unit template is missing from the binary");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public int Install(string sourceBinary)
    {
        if (!File.Exists(sourceBinary))
        {
            output.WriteLine($"install: {sourceBinary} does not exist (install from the published single-file binary)");
            return 2;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(BinaryPath)!);
        if (!string.Equals(Path.GetFullPath(sourceBinary), Path.GetFullPath(BinaryPath), StringComparison.Ordinal))
        {
            File.Copy(sourceBinary, BinaryPath + ".new", overwrite: true);
            File.SetUnixFileMode(BinaryPath + ".new", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

            // Rename over the old binary: a running service keeps its inode, the next start takes the new one.
            File.Move(BinaryPath + ".new", BinaryPath, overwrite: true);
        }

        string data = Under(ServiceDataDirectory.TrimStart('/'));
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.GetDirectoryName(UnitPath)!);
        string unit = UnitTemplate().Replace("@BIN@", "/usr/local/bin/yamori-agent", StringComparison.Ordinal).Replace("@DATA@", ServiceDataDirectory, StringComparison.Ordinal);
        File.WriteAllText(UnitPath, unit);
        output.WriteLine($"installed {BinaryPath} and {UnitPath}; data in {data}");
        if (SystemdRuns())
        {
            Systemctl("daemon-reload");
            Systemctl("enable", "--now", UnitName);
            output.WriteLine("yamori-agent is enabled and started (journalctl -u yamori-agent)");
        }
        else
        {
            output.WriteLine("systemd is not running here: start the agent with `yamori-agent run --data " + ServiceDataDirectory + "` under your service manager");
        }

        return 0;
    }

    public int Uninstall(bool purge)
    {
        if (SystemdRuns())
        {
            Systemctl("disable", "--now", UnitName);
        }

        DeleteIfExists(UnitPath);
        DeleteIfExists(BinaryPath);
        if (SystemdRuns())
        {
            Systemctl("daemon-reload");
        }

        string data = Under(ServiceDataDirectory.TrimStart('/'));
        if (purge && Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
            output.WriteLine($"removed {data} (identity, spool, state)");
        }
        else if (Directory.Exists(data))
        {
            output.WriteLine($"kept {data}: the device identity and any unsent telemetry (use --purge to remove)");
        }

        output.WriteLine("yamori-agent uninstalled");
        return 0;
    }

    private string Under(string relative) => Path.Combine(Root, relative.TrimStart('/'));

    private bool SystemdRuns() => Root == "/" && Directory.Exists("/run/systemd/system");

    private void DeleteIfExists(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
            output.WriteLine($"removed {path}");
        }
    }

    private void Systemctl(params string[] args)
    {
        var start = new ProcessStartInfo("systemctl") { RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            output.WriteLine($"systemctl {string.Join(' ', args)} failed ({p.ExitCode}): {error.Trim()}");
        }
    }
}
