using System.Diagnostics;
using Yamori.Agent.Tests.Response;

namespace Yamori.SocConsole.Tests.EndToEnd;

/// <summary>
/// The real <c>yamori-agent</c> running inside a network namespace, enrolled with a demo town's
/// token. Isolating it (nftables) then cuts off the namespace only, never the test machine.
/// </summary>
internal sealed class AgentInNamespace : IAsyncDisposable
{
    private readonly NetworkNamespace _namespace;
    private readonly string _data;
    private Process? _running;

    private AgentInNamespace(NetworkNamespace ns, string data)
    {
        _namespace = ns;
        _data = data;
    }

    public string Hostname { get; } = "e2e-pc01";

    public static AgentInNamespace Enroll(NetworkNamespace ns, CloudProcess cloud, string token)
    {
        string data = Path.Combine(cloud.DataDirectory, "..", Path.GetFileName(cloud.DataDirectory) + "-agent");
        var agent = new AgentInNamespace(ns, Path.GetFullPath(data));
        agent.RunOk("enroll", "--server", cloud.ApiUri.ToString(), "--token", token, "--ca-sha256", cloud.CaSha256, "--data", agent._data, "--hostname", agent.Hostname);
        return agent;
    }

    /// <summary>Sends recorded events through the agent's normal pipeline and waits for the cloud's acknowledgement.</summary>
    public string Replay(string file) => RunOk("replay", "--data", _data, "--wait", "60", file);

    /// <summary>Starts the agent's service loop (stream, commands) without kernel collectors.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["netns", "exec", _namespace.Name, "dotnet", AgentProgram, "run", "--data", _data, "--collectors", "none"])
        {
            start.ArgumentList.Add(a);
        }

        _running = Process.Start(start)!;
        _ = _running.StandardOutput.ReadToEndAsync();
        _ = _running.StandardError.ReadToEndAsync();
    }

    private static string AgentProgram => Path.Combine(AppContext.BaseDirectory, "yamori-agent.dll");

    private string RunOk(params string[] args) => _namespace.ExecOk(["dotnet", AgentProgram, .. args]);

    public async ValueTask DisposeAsync()
    {
        if (_running is { HasExited: false })
        {
            _running.Kill(entireProcessTree: true);
            await _running.WaitForExitAsync();
        }

        _running?.Dispose();

        // The agent's nftables table lives in the namespace and goes with it.
        _namespace.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Held by a dying child; temp is cleaned by the system.
        }
    }
}
