using System.Security.Cryptography;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Response;

/// <summary>The agent's side: delivery on the stream, results, expiry and collected files.</summary>
public sealed partial class ResponseService
{
    /// <summary>
    /// Commands to send on the device's stream now: queued ones, and delivered ones still without a
    /// result (redelivery after a reconnect is deliberate; the agent de-duplicates by id). Each is
    /// marked delivered. Call on connect and whenever a command for a connected device is queued.
    /// </summary>
    /// <param name="deviceTenantScope">The tenant named by the device's certificate.</param>
    public async Task<IReadOnlyList<DeliveredCommand>> TakeDeliverableAsync(
        TenantScope deviceTenantScope,
        DeviceId device,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        deviceTenantScope.RequireSingle();
        var delivered = new List<DeliveredCommand>();
        foreach (ResponseCommand before in await _store.ListDeliverableAsync(deviceTenantScope, device, now, cancellationToken))
        {
            ResponseCommand after = before with
            {
                State = CommandState.Delivered,
                FirstDeliveredAt = before.FirstDeliveredAt ?? now,
                LastDeliveredAt = now,
                DeliveryCount = before.DeliveryCount + 1,
                Version = before.Version + 1,
            };

            // Lost to a concurrent cancel or result: that change wins and the command is not sent.
            if (await _store.TryUpdateAsync(deviceTenantScope, after, cancellationToken))
            {
                delivered.Add(new DeliveredCommand(CommandMapping.ToProto(after), new CommandChange(before, after)));
            }
        }

        return delivered;
    }

    /// <summary>
    /// Records a result the device reported. Only the command's own device may report; the first
    /// result wins and replays are ignored. A result after the cloud expired or cancelled the
    /// command is still recorded, because it tells what the agent actually did.
    /// </summary>
    /// <param name="deviceTenantScope">The tenant named by the device's certificate.</param>
    public async Task<ResultRecording> RecordResultAsync(
        TenantScope deviceTenantScope,
        DeviceId device,
        CommandResult result,
        CancellationToken cancellationToken = default)
    {
        deviceTenantScope.RequireSingle();
        if (!Guid.TryParse(result.CommandId, out Guid id))
        {
            return ResultRecording.Ignored("command_id is not a command id");
        }

        if (CommandMapping.FromProto(result.Status) is not { } status)
        {
            return ResultRecording.Ignored("status is unspecified");
        }

        string? sha = string.IsNullOrEmpty(result.Sha256) ? null : result.Sha256.ToLowerInvariant();
        if (sha is not null && !IsSha256Hex(sha))
        {
            return ResultRecording.Ignored("sha256 is not 64 hex digits");
        }

        for (int attempt = 0; attempt < 3; attempt++)
        {
            ResponseCommand? before = await _store.GetAsync(deviceTenantScope, id, cancellationToken);
            if (before is null)
            {
                return ResultRecording.Ignored($"unknown command {id}");
            }

            if (before.Device != device)
            {
                return ResultRecording.Ignored($"command {id} belongs to another device");
            }

            if (before.Result is not null)
            {
                return ResultRecording.Ignored($"command {id} already has a result");
            }

            if (before.DeliveryCount == 0)
            {
                return ResultRecording.Ignored($"command {id} was never delivered");
            }

            byte[] output = result.Output.ToByteArray();
            bool truncated = output.Length > _options.MaxOutputBytes;
            var outcome = new CommandOutcome(
                status,
                result.Message.Length > 4000 ? result.Message[..4000] : result.Message,
                truncated ? output[.._options.MaxOutputBytes] : output,
                truncated,
                sha,
                sha is null ? null : (long)result.SizeBytes,
                result.FinishedAt?.ToDateTimeOffset(),
                _time.GetUtcNow());
            ResponseCommand after = before with { State = CommandMapping.ToState(status), Result = outcome, Version = before.Version + 1 };
            if (await _store.TryUpdateAsync(deviceTenantScope, after, cancellationToken))
            {
                return new ResultRecording(true, null, new CommandChange(before, after));
            }
        }

        return ResultRecording.Ignored($"command {id} kept changing; result not recorded");
    }

    /// <summary>Marks every open command whose expiry has passed as expired (call periodically).</summary>
    public async Task<IReadOnlyList<CommandChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var changes = new List<CommandChange>();
        while (true)
        {
            IReadOnlyList<ResponseCommand> due = await _store.ListExpiredOpenAsync(TenantScope.AllTenants, now, 500, cancellationToken);
            int before = changes.Count;
            foreach (ResponseCommand command in due)
            {
                ResponseCommand after = command with { State = CommandState.Expired, Version = command.Version + 1 };
                if (await _store.TryUpdateAsync(TenantScope.For(command.Tenant), after, cancellationToken))
                {
                    changes.Add(new CommandChange(command, after));
                }
            }

            if (due.Count < 500 || changes.Count == before)
            {
                return changes;
            }
        }
    }

    /// <summary>
    /// Stores a file the agent uploaded for a collect command: written under the configured
    /// directory within the size cap, and kept only if its SHA-256 equals the expected one (and the
    /// one in the command's result, when already reported).
    /// </summary>
    /// <exception cref="ArgumentException">expectedSha256 is not 64 hex digits.</exception>
    /// <exception cref="ResponseNotFoundException">No such command in the scope.</exception>
    /// <exception cref="CollectedFileRejectedException">Wrong device or kind, already stored, too large, or the hash differs; nothing was kept.</exception>
    public async Task<CommandChange> StoreCollectedFileAsync(
        TenantScope scope,
        DeviceId device,
        Guid commandId,
        Stream content,
        string expectedSha256,
        CancellationToken cancellationToken = default)
    {
        string expected = expectedSha256.ToLowerInvariant();
        if (!IsSha256Hex(expected))
        {
            throw new ArgumentException("expectedSha256 must be 64 hex digits", nameof(expectedSha256));
        }

        string root = _options.CollectedFilesDirectory
            ?? throw new InvalidOperationException("no directory for collected files is configured");
        ResponseCommand before = await _store.GetAsync(scope, commandId, cancellationToken)
            ?? throw new ResponseNotFoundException($"command {commandId} not found");
        if (before.Device != device)
        {
            // Another device's command looks exactly like a missing one: an agent learns nothing about its neighbours.
            throw new ResponseNotFoundException($"command {commandId} not found");
        }

        string? refusal =
            before.Action.Kind != ResponseKind.Collect ? "the command is not a collect command"
            : before.File is not null ? "a file is already stored for the command"
            : before.DeliveryCount == 0 ? "the command was never delivered"
            : before.Result?.Sha256 is { } reported && reported != expected ? "the hash differs from the one the agent reported"
            : null;
        if (refusal is not null)
        {
            throw new CollectedFileRejectedException(refusal);
        }

        long cap = Math.Min(_options.MaxCollectedFileBytes, before.Action.MaxBytes ?? long.MaxValue);
        string relative = Path.Combine(before.Tenant.ToString(), commandId.ToString("N") + ".bin");
        string final = Path.Combine(root, relative);
        // One partial file per upload: a second, concurrent upload of the same command cannot delete the first one's.
        string partial = $"{final}.{Guid.NewGuid():N}.part";
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        long size = 0;
        bool keep = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 81920, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                // Evidence from a town's host: readable by the cloud's account only.
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(partial, create))
            {
                byte[] buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > cap)
                    {
                        throw new CollectedFileRejectedException($"the file exceeds the limit of {cap} bytes");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != expected)
            {
                throw new CollectedFileRejectedException($"the file's SHA-256 is {actual}, not the expected {expected}");
            }

            File.Move(partial, final, overwrite: false);
            ResponseCommand after = before with
            {
                File = new CollectedFile(actual, size, relative, _time.GetUtcNow()),
                Version = before.Version + 1,
            };
            if (!await _store.TryUpdateAsync(scope, after, cancellationToken))
            {
                File.Delete(final);
                throw new ResponseConflictException($"command {commandId} changed meanwhile; upload again");
            }

            keep = true;
            return new CommandChange(before, after);
        }
        finally
        {
            if (!keep)
            {
                File.Delete(partial);
            }
        }
    }

    private static bool IsSha256Hex(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigitLower);
}
