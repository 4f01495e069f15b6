using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Yamori.Agent.Linux.Files;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;
using Yamori.Tests;

namespace Yamori.Agent.Tests.Linux.Files;

/// <summary>Unchanged SigmaHQ linux rules fire on events the file collector produced from real actions.</summary>
public sealed class FileSigmaTests : IDisposable
{
    private const string Base64FilenameRule = "179b3686-6271-4d87-807d-17d843a8af73";
    private const string WgetInTmpRule = "35a05c60-9012-49b6-a11f-6bab741c9f74";

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("yamori-file-sigma-");

    public void Dispose() => _temp.Delete(recursive: true);

    [SkippableFact]
    public async Task Embedded_base64_command_filename_fires_the_SigmaHQ_rule()
    {
        FileCollectorTests.SkipUnlessRoot();
        SigmaEngine engine = LoadLinuxRules();
        string dir = _temp.FullName;
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)] });
        string name = "{echo,aWQK}|{base64,-d}|bash";
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await FileCollectorTests.Run("/bin/sh", "-c", ": > \"$1/$2\"", "sh", dir, name);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, name), "the base64-named file");
        }

        FlatEvent create = sink.Snapshot().Single(x => x.Event.Field("EventType") == "create").Event;
        Assert.Contains(Base64FilenameRule, Matches(engine, create));
    }

    [SkippableFact]
    public async Task Wget_download_into_tmp_fires_the_SigmaHQ_rule_on_the_acting_image()
    {
        FileCollectorTests.SkipUnlessRoot();
        Skip.IfNot(System.IO.File.Exists("/usr/bin/wget"), "wget is not installed");
        Skip.IfNot(_temp.FullName.StartsWith("/tmp/", StringComparison.Ordinal), "the temporary directory is not under /tmp, which the rule requires");
        SigmaEngine engine = LoadLinuxRules();
        string dir = _temp.FullName;
        string target = Path.Combine(dir, "payload.bin");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)] });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            using Process wget = FileCollectorTests.Start("/usr/bin/wget", "-q", "-O", target, $"http://127.0.0.1:{port}/payload.bin");
            using TcpClient client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhalf"));

            // wget stays alive, holding the download open, until the collector has seen the file.
            FlatEvent create = sink.WaitFor(e => e.Field("EventType") == "create" && e.Field("TargetFilename") == target, "wget creating the file").Event;
            await stream.WriteAsync(Encoding.ASCII.GetBytes("done"));
            client.Close();
            await wget.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, wget.ExitCode);

            Assert.Equal("/usr/bin/wget", create.Field("Image"));
            Assert.Equal(wget.Id.ToString(), create.Field("ProcessId"));
            Assert.Contains(WgetInTmpRule, Matches(engine, create));
        }
    }

    internal static SigmaEngine LoadLinuxRules()
    {
        string? root = TestData.SigmaHqRoot;
        Skip.If(root is null, "the SigmaHQ checkout (../shared/data/sigmahq) is not available");
        RuleSet rules = RuleLoader.Load([Path.Combine(root!, "rules", "linux")]);
        Assert.NotEmpty(rules.Rules);
        return new SigmaEngine(rules);
    }

    internal static List<string> Matches(SigmaEngine engine, FlatEvent e)
    {
        var matches = new List<SigmaRule>();
        engine.CreateSession().Match(e, matches);
        return [.. matches.Select(r => r.Id)];
    }
}
