using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>What one nft run printed and returned.</summary>
public sealed record NftResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>nft could not be run, or refused a ruleset; the message carries nft's own words.</summary>
public sealed class NftException : Exception
{
    public NftException(string message)
        : base(message)
    {
    }

    public NftException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NftException()
    {
    }
}

/// <summary>
/// Runs the nft tool. Rulesets go in as one script on stdin (<c>nft -f -</c>), which nft applies as a
/// single kernel transaction: all of it or none of it. The command is a configurable prefix so tests
/// can run it inside a network namespace (<c>ip netns exec NS nft</c>).
/// </summary>
public sealed class NftRunner
{
    private readonly string[] _command;
    private readonly TimeSpan _timeout;

    /// <param name="command">The program and leading arguments (default <c>["nft"]</c>).</param>
    /// <param name="timeout">How long one run may take before it is killed (default 30 s).</param>
    public NftRunner(IReadOnlyList<string>? command = null, TimeSpan? timeout = null)
    {
        _command = command is { Count: > 0 } ? [.. command] : ["nft"];
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>nft run inside the named network namespace (<c>ip netns exec NAME nft</c>).</summary>
    public static NftRunner InNetworkNamespace(string name) => new(["ip", "netns", "exec", name, "nft"]);

    /// <summary>Runs nft with <paramref name="arguments"/>, feeding <paramref name="standardInput"/> if given.</summary>
    public async Task<NftResult> RunAsync(IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(_command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in _command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new NftException($"cannot run '{_command[0]}' (is nftables installed?): {e.Message}", e);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput.AsMemory(), timeout.Token).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // nft exited without reading its input (a bad option, say); its exit code and stderr tell why.
            }

            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return new NftResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new NftException(string.Create(CultureInfo.InvariantCulture, $"nft did not finish within {_timeout.TotalSeconds:0} s"));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Applies <paramref name="script"/> atomically (<c>nft -f -</c>); throws <see cref="NftException"/> with nft's error when it refuses.</summary>
    public async Task ApplyAsync(string script, CancellationToken cancellationToken)
    {
        NftResult result = await RunAsync(["-f", "-"], script, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new NftException(string.Create(CultureInfo.InvariantCulture,
                $"nft -f - exited with {result.ExitCode}: {result.StandardError.Trim()}"));
        }
    }

    /// <summary>Whether the table exists (nft's exit code for <c>list table</c>).</summary>
    public async Task<bool> TableExistsAsync(string family, string name, CancellationToken cancellationToken)
    {
        NftResult result = await RunAsync(["list", "table", family, name], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return true;
        }

        // nft says "No such file or directory" for a missing table; anything else is a real failure.
        if (result.StandardError.Contains("No such file or directory", StringComparison.Ordinal))
        {
            return false;
        }

        throw new NftException(string.Create(CultureInfo.InvariantCulture,
            $"nft list table {family} {name} exited with {result.ExitCode}: {result.StandardError.Trim()}"));
    }
}
