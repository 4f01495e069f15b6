using System.Diagnostics;

namespace Yamori.Bench.AgentSteady;

/// <summary>
/// The shipped agent binary as its own process: published the way a town installs it (unless a
/// binary is named), enrolled with a demo token, run with its default configuration.
/// </summary>
internal sealed class AgentUnderTest : IDisposable
{
    private readonly Process _process;

    private AgentUnderTest(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary><c>dotnet publish -r linux-x64</c> of the agent into <paramref name="output"/>; returns the binary.</summary>
    public static async Task<string> PublishAsync(string repo, string output)
    {
        Console.WriteLine($"publishing the agent (linux-x64, Release) to {output} …");
        string log = await RunAsync("dotnet", ["publish", Path.Combine(repo, "src", "Yamori.Agent"), "-r", "linux-x64", "-c", "Release", "-o", output, "-v", "quiet", "-nologo"]);
        string binary = Path.Combine(output, "yamori-agent");
        return File.Exists(binary) ? binary : throw new InvalidOperationException("dotnet publish made no yamori-agent:\n" + log);
    }

    public static async Task EnrollAsync(string binary, string data, Uri server, string token, string caSha256) =>
        await RunAsync(binary, ["enroll", "--server", server.ToString(), "--token", token, "--ca-sha256", caSha256, "--data", data, "--hostname", "bench-steady"]);

    public static AgentUnderTest Start(string binary, string data, string log, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        foreach (string a in new[] { "run", "--data", data })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AgentUnderTest(process);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is not null)
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        string text = await stdout + await stderr;
        return p.ExitCode == 0 ? text : throw new InvalidOperationException($"{Path.GetFileName(file)} {args[0]} failed ({p.ExitCode}):\n{text}");
    }
}
