using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// <c>yamori up</c> as its own process (the cloud under test), with its stdout kept for the
/// first-start secrets, and its CPU time and peak RSS read from /proc.
/// </summary>
internal sealed class CloudProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _banner = [];

    private CloudProcess(Process process, int apiPort, int agentPort)
    {
        _process = process;
        Api = new Uri($"https://127.0.0.1:{apiPort}/");
        Agent = new Uri($"https://127.0.0.1:{agentPort}/");
    }

    public Uri Api { get; }

    public Uri Agent { get; }

    public int Pid => _process.Id;

    /// <summary>What <c>yamori up</c> printed before it was ready (URLs, first-start credentials, demo tokens).</summary>
    public IReadOnlyList<string> Banner => _banner;

    public static async Task<CloudProcess> StartAsync(string dataDirectory, IEnumerable<string> extraArgs, IReadOnlyDictionary<string, string>? environment = null)
    {
        int api = FreePort();
        int agent = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "yamori.dll"), "up", "--data", dataDirectory, "--api", $"127.0.0.1:{api}", "--agent", $"127.0.0.1:{agent}" }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var cloud = new CloudProcess(Process.Start(start)!, api, agent);
        cloud._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("cloud: " + e.Data);
            }
        };
        cloud._process.BeginErrorReadLine();
        while (await cloud._process.StandardOutput.ReadLineAsync() is { } line)
        {
            cloud._banner.Add(line);
            if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                _ = cloud._process.StandardOutput.ReadToEndAsync();
                return cloud;
            }
        }

        throw new InvalidOperationException("yamori up exited before it was ready:\n" + string.Join('\n', cloud._banner));
    }

    /// <summary>User + system CPU seconds the cloud has used so far.</summary>
    public double CpuSeconds() => ProcStat.CpuSeconds(Pid);

    /// <summary>Peak resident set (VmHWM) in MiB.</summary>
    public double PeakRssMiB() => ProcStat.PeakRssMiB(Pid);

    /// <summary>SIGTERM and wait: the graceful path that commits everything acknowledged.</summary>
    public async Task StopAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
