namespace Yamori.Agent.Tests.Response;

internal static class Root
{
    public static void Require()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux response actions need Linux");
        Skip.IfNot(Environment.IsPrivilegedProcess, "needs root (nftables, network namespaces, killing other users' processes)");
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 60 s");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string RunOk(string program, params string[] args)
    {
        (int code, string output, string error) = Run(program, args);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }
}
