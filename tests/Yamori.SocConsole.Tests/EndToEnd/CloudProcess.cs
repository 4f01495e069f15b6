using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Yamori.SocConsole.Tests.EndToEnd;

/// <summary>
/// A real <c>yamori up --demo</c> as its own process (the program a prefecture runs), with what its
/// first-start banner prints: the operator's one-time password and TOTP secret, the demo towns'
/// tenant ids and enrollment tokens, and the CA fingerprint agents pin.
/// </summary>
internal sealed partial class CloudProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CloudProcess(Process process, string dataDirectory, Uri apiUri)
    {
        _process = process;
        DataDirectory = dataDirectory;
        ApiUri = apiUri;
    }

    public string DataDirectory { get; }

    /// <summary>The cloud CA's certificate (PEM), which clients pin.</summary>
    public string CaCertificatePath => Path.Combine(DataDirectory, "ca", "ca.crt.pem");

    public Uri ApiUri { get; }

    public string OperatorPassword { get; private set; } = "";

    public string OperatorTotpSecret { get; private set; } = "";

    public string CaSha256 { get; private set; } = "";

    /// <summary>Demo towns in banner order: name, tenant id, first enrollment token.</summary>
    public List<(string Name, Guid Tenant, string Token)> Towns { get; } = [];

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the cloud listening on <paramref name="address"/> and waits for its banner.</summary>
    public static async Task<CloudProcess> StartAsync(string address, IReadOnlyList<string> rules)
    {
        string data = Path.Combine(Path.GetTempPath(), "yamori-console-e2e", Guid.NewGuid().ToString("N"));
        int api = Yamori.Tests.TestPorts.Reserve();
        int agent = Yamori.Tests.TestPorts.Reserve();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])[YamoriProgram(), "up", "--demo", "--data", data, "--api", $"{address}:{api}", "--agent", $"{address}:{agent}", "--name", address])
        {
            start.ArgumentList.Add(a);
        }

        foreach (string r in rules)
        {
            start.ArgumentList.Add("--rules");
            start.ArgumentList.Add(r);
        }

        var cloud = new CloudProcess(Process.Start(start)!, data, new Uri($"https://{address}:{api}/"));
        var banner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cloud._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                banner.TrySetException(new InvalidOperationException("yamori up exited: " + cloud.Output));
                return;
            }

            lock (cloud._output)
            {
                cloud._output.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                banner.TrySetResult();
            }
        };
        cloud._process.ErrorDataReceived += (_, e) =>
        {
            lock (cloud._output)
            {
                cloud._output.AppendLine(e.Data);
            }
        };
        cloud._process.BeginOutputReadLine();
        cloud._process.BeginErrorReadLine();
        await banner.Task.WaitAsync(TimeSpan.FromMinutes(2));
        cloud.ReadBanner();
        return cloud;
    }

    private void ReadBanner()
    {
        string text = Output;
        OperatorPassword = Line(PasswordLine(), text);
        OperatorTotpSecret = Line(TotpLine(), text);
        CaSha256 = Line(CaLine(), text);
        foreach (Match town in TownBlock().Matches(text))
        {
            Towns.Add((town.Groups["name"].Value, Guid.Parse(town.Groups["tenant"].Value), town.Groups["token"].Value));
        }

        Assert.True(Towns.Count == 2, "demo towns not in the banner: " + text);
    }

    private static string Line(Regex pattern, string text) =>
        pattern.Match(text) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"banner lacks {pattern}: {text}");

    /// <summary>The built <c>yamori</c> next to its static-assets manifest (the console's script and style).</summary>
    private static string YamoriProgram()
    {
        // tests/Yamori.SocConsole.Tests/bin/<Configuration>/net10.0/ → src/Yamori.Cli/bin/<Configuration>/net10.0/
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = bin.Parent!.Name;
        string repo = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string program = Path.Combine(repo, "src", "Yamori.Cli", "bin", configuration, bin.Name, "yamori.dll");
        Assert.True(File.Exists(program), $"{program} is not built");
        return program;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying child; the temp folder is cleaned by the system.
        }
    }

    [GeneratedRegex(@"^\s+password\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"^\s+TOTP secret\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex TotpLine();

    [GeneratedRegex(@"cloud CA\s+SHA-256 ([0-9A-F]{64})")]
    private static partial Regex CaLine();

    [GeneratedRegex(@"demo town\s+(?<name>\S+) \(\d{6}\) tenant (?<tenant>[0-9a-f-]{36})\r?\n\s+enrollment token for [^:]+: (?<token>\S+)")]
    private static partial Regex TownBlock();
}
