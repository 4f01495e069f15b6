using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Agent.Response;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>What <see cref="IsolationState.RestoreAsync"/> found and did at agent start.</summary>
public enum IsolationRestoreResult
{
    /// <summary>The state file says not isolated; nothing done.</summary>
    NotIsolated,

    /// <summary>Isolated, and the table was still in the kernel (agent restart without reboot).</summary>
    AlreadyInPlace,

    /// <summary>Isolated, but the table was gone (host reboot); it was applied again from the state file.</summary>
    Reapplied,
}

/// <summary>
/// Network isolation of a Linux host with one nftables table, and its persisted state. The table
/// stays in the kernel while the host is up, whatever happens to the agent; the state file brings it
/// back after a reboot (<see cref="RestoreAsync"/>, called at agent start). Isolate and release are
/// idempotent and serialised with each other.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class IsolationState
{
    private readonly IsolationOptions _options;
    private readonly NftRunner _nft;
    private readonly IsolationStateFile _file;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IsolationState(IsolationOptions options, NftRunner nft, TimeProvider? timeProvider = null, ILogger<IsolationState>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(nft);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        _ = IsolationRuleset.Delete(options.TableName); // validates the table name now, not at the first command
        _options = options;
        _nft = nft;
        _file = new IsolationStateFile(Path.Combine(options.DataDirectory, IsolationOptions.StateFileName));
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<IsolationState>.Instance;
    }

    public string StateFilePath => _file.Path;

    /// <summary>Whether the state file says the host is isolated.</summary>
    public bool IsIsolated => _file.Exists;

    /// <summary>Isolates the host (or re-applies the rules when it already is).</summary>
    public async Task<CommandOutcome> IsolateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IsolationRecord? previous = TryReadPrevious();
            (List<ResolvedEndpoint> cloud, List<string> unresolved) = await ResolveAsync(previous, cancellationToken).ConfigureAwait(false);
            if (cloud.Count == 0)
            {
                return CommandOutcome.Failed($"not isolated: no address for the cloud ({string.Join("; ", unresolved)}); isolating now would cut the agent off for good");
            }

            var record = new IsolationRecord(_time.GetUtcNow(), cloud, [.. _options.DnsResolvers.Select(IsolationRuleset.Normalize)]);
            string script = IsolationRuleset.Build(_options.TableName, record.Cloud, record.DnsResolvers);
            bool wasInPlace = previous is not null && await _nft.TableExistsAsync("inet", _options.TableName, cancellationToken).ConfigureAwait(false);

            // State first: a crash between the two leaves "isolated" on disk, and RestoreAsync completes it.
            _file.Write(record);
            try
            {
                await _nft.ApplyAsync(script, cancellationToken).ConfigureAwait(false);
            }
            catch (NftException e)
            {
                RollBackState(previous);
                return CommandOutcome.Failed($"not isolated: {e.Message}");
            }

            string allowed = Describe(record);
            string skipped = unresolved.Count == 0 ? string.Empty : $"; not resolved and so not allowed: {string.Join("; ", unresolved)}";
            LogIsolated(allowed);
            return CommandOutcome.Succeeded(wasInPlace
                ? $"already isolated; rules re-applied ({allowed}){skipped}"
                : $"isolated with nftables table inet {_options.TableName} ({allowed}){skipped}");
        }
        catch (NftException e)
        {
            return CommandOutcome.Failed($"not isolated: {e.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Undoes isolation; succeeds (saying so) when the host was not isolated.</summary>
    public async Task<CommandOutcome> ReleaseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool tablePresent = await _nft.TableExistsAsync("inet", _options.TableName, cancellationToken).ConfigureAwait(false);

            // State first: a crash between the two leaves the table without a state file, still
            // isolated until release is repeated, never re-isolated by a restore after a release.
            bool hadState = _file.Delete();
            if (tablePresent)
            {
                try
                {
                    await _nft.ApplyAsync(IsolationRuleset.Delete(_options.TableName), cancellationToken).ConfigureAwait(false);
                }
                catch (NftException e)
                {
                    return CommandOutcome.Failed($"still isolated: could not remove table inet {_options.TableName}: {e.Message}");
                }
            }

            LogReleased(tablePresent, hadState);
            return (tablePresent, hadState) switch
            {
                (false, false) => CommandOutcome.Succeeded("not isolated; nothing to release"),
                (true, _) => CommandOutcome.Succeeded($"released: removed nftables table inet {_options.TableName}{(hadState ? " and the isolation state" : string.Empty)}"),
                (false, true) => CommandOutcome.Succeeded($"released: removed the isolation state (table inet {_options.TableName} was already gone)"),
            };
        }
        catch (NftException e)
        {
            return CommandOutcome.Failed($"release not done: {e.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// At agent start: re-applies the table when the state file says isolated but the kernel has no
    /// table (the host rebooted). An unreadable state file still means isolated; the configured
    /// endpoints are resolved afresh then. Throws <see cref="NftException"/> when nft refuses.
    /// </summary>
    public async Task<IsolationRestoreResult> RestoreAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_file.Exists)
            {
                return IsolationRestoreResult.NotIsolated;
            }

            if (await _nft.TableExistsAsync("inet", _options.TableName, cancellationToken).ConfigureAwait(false))
            {
                return IsolationRestoreResult.AlreadyInPlace;
            }

            IsolationRecord? record = TryReadPrevious();
            if (record is null || record.Cloud.Count == 0)
            {
                (List<ResolvedEndpoint> cloud, _) = await ResolveAsync(null, cancellationToken).ConfigureAwait(false);
                record = new IsolationRecord(_time.GetUtcNow(), cloud, [.. _options.DnsResolvers.Select(IsolationRuleset.Normalize)]);
            }

            // Applied even with no cloud address: the order was to isolate, and loopback-only is the safe side.
            await _nft.ApplyAsync(IsolationRuleset.Build(_options.TableName, record.Cloud, record.DnsResolvers), cancellationToken).ConfigureAwait(false);
            LogRestored(Describe(record));
            return IsolationRestoreResult.Reapplied;
        }
        finally
        {
            _gate.Release();
        }
    }

    private IsolationRecord? TryReadPrevious()
    {
        try
        {
            return _file.Read();
        }
        catch (InvalidDataException e)
        {
            LogStateUnreadable(e);
            return null;
        }
    }

    private void RollBackState(IsolationRecord? previous)
    {
        if (previous is null)
        {
            _file.Delete();
        }
        else
        {
            _file.Write(previous);
        }
    }

    /// <summary>
    /// Resolves each endpoint; a name that does not resolve keeps the addresses it had when last
    /// isolated (while isolated, DNS is usually blocked, so a re-isolate must not lose the cloud).
    /// </summary>
    private async Task<(List<ResolvedEndpoint> Cloud, List<string> Unresolved)> ResolveAsync(IsolationRecord? previous, CancellationToken cancellationToken)
    {
        var cloud = new List<ResolvedEndpoint>();
        var unresolved = new List<string>();
        foreach (CloudEndpoint endpoint in _options.CloudEndpoints)
        {
            if (IPAddress.TryParse(endpoint.Host, out IPAddress? literal))
            {
                cloud.Add(new ResolvedEndpoint(endpoint.Host, IsolationRuleset.Normalize(literal), endpoint.Port));
                continue;
            }

            IPAddress[] addresses = [];
            string? error = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.ResolveTimeout);
                addresses = await Dns.GetHostAddressesAsync(endpoint.Host, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                error = e.Message;
            }

            List<ResolvedEndpoint> kept = previous?.Cloud.Where(c => c.Host == endpoint.Host && c.Port == endpoint.Port).ToList() ?? [];
            if (addresses.Length > 0)
            {
                cloud.AddRange(addresses.Select(IsolationRuleset.Normalize).Distinct().Select(a => new ResolvedEndpoint(endpoint.Host, a, endpoint.Port)));
            }
            else if (kept.Count > 0)
            {
                cloud.AddRange(kept);
            }
            else
            {
                unresolved.Add($"{endpoint.Host}:{endpoint.Port} ({error ?? "no addresses"})");
            }
        }

        return (cloud, unresolved);
    }

    private static string Describe(IsolationRecord record)
    {
        IEnumerable<string> cloud = record.Cloud.Select(c => c.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{c.Address}]:{c.Port}" : $"{c.Address}:{c.Port}");
        string dns = record.DnsResolvers.Count == 0 ? string.Empty : $", DNS to {string.Join(", ", record.DnsResolvers)}";
        return $"allowed: loopback, cloud {string.Join(", ", cloud)}{dns}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host isolated ({Allowed})")]
    private partial void LogIsolated(string allowed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Isolation released (table present: {TablePresent}, state present: {StatePresent})")]
    private partial void LogReleased(bool tablePresent, bool statePresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Isolation re-applied after restart ({Allowed})")]
    private partial void LogRestored(string allowed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Isolation state file unreadable; treating the host as isolated")]
    private partial void LogStateUnreadable(Exception exception);
}
