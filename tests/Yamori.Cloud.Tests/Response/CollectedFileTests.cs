using System.Security.Cryptography;
using Yamori.Cloud.Response;

namespace Yamori.Cloud.Tests.Response;

public sealed class CollectedFileTests : IDisposable
{
    private static readonly byte[] Content = "MZ\u0090 suspicious binary 不審"u8.ToArray();
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(Content));
    private readonly ResponseFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_file_matching_its_hash_is_kept_and_attached()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\evil.exe"), _f.ScopeA);
        ResultRecording result = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(id, sha: Sha.ToUpperInvariant(), size: (ulong)Content.Length));
        Assert.Equal((Sha, (long?)Content.Length), (result.Change!.After.Result!.Sha256, result.Change.After.Result.SizeBytes));

        CommandChange stored = await _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(Content), Sha);
        CollectedFile file = stored.After.File!;
        Assert.Equal((Sha, (long)Content.Length), (file.Sha256, file.SizeBytes));
        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_f.FilesDirectory, file.RelativePath)));
        Assert.Equal(file, (await _f.Service.GetAsync(_f.ScopeA, id))!.File);

        CollectedFileRejectedException again = await Assert.ThrowsAsync<CollectedFileRejectedException>(
            () => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(Content), Sha));
        Assert.Contains("already stored", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hash_mismatch_is_refused_and_nothing_is_kept()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\evil.exe"), _f.ScopeA);
        byte[] tampered = [.. Content, 0];
        CollectedFileRejectedException ex = await Assert.ThrowsAsync<CollectedFileRejectedException>(
            () => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(tampered), Sha));
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        AssertNothingKept();
        Assert.Null((await _f.Service.GetAsync(_f.ScopeA, id))!.File);

        // The right bytes are still accepted afterwards.
        await _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(Content), Sha);
    }

    [Fact]
    public async Task A_file_differing_from_the_reported_hash_or_over_the_cap_is_refused()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\evil.exe", 8), _f.ScopeA);
        CollectedFileRejectedException ex = await Assert.ThrowsAsync<CollectedFileRejectedException>(
            () => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(Content), Sha));
        Assert.Contains("limit of 8 bytes", ex.Message, StringComparison.Ordinal);
        AssertNothingKept();

        Guid reported = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\other.exe"), _f.ScopeA);
        await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(reported, sha: new string('a', 64), size: 3));
        ex = await Assert.ThrowsAsync<CollectedFileRejectedException>(
            () => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, reported, new MemoryStream(Content), Sha));
        Assert.Contains("reported", ex.Message, StringComparison.Ordinal);
        AssertNothingKept();
    }

    [Fact]
    public async Task Uploads_for_another_device_town_or_kind_are_refused()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\evil.exe"), _f.ScopeA);
        // Another device of the same town cannot tell the command from a missing one.
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA2, id, new MemoryStream(Content), Sha));
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.StoreCollectedFileAsync(_f.ScopeB, _f.DeviceB1, id, new MemoryStream(Content), Sha));
        Guid query = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Query("processes"), _f.ScopeA);
        await Assert.ThrowsAsync<CollectedFileRejectedException>(() => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, query, new MemoryStream(Content), Sha));
        ArgumentException bad = await Assert.ThrowsAsync<ArgumentException>(() => _f.Service.StoreCollectedFileAsync(_f.ScopeA, _f.DeviceA1, id, new MemoryStream(Content), "abc"));
        Assert.Equal("expectedSha256", bad.ParamName);
        AssertNothingKept();
    }

    private void AssertNothingKept() =>
        Assert.Empty(Directory.Exists(_f.FilesDirectory) ? Directory.GetFiles(_f.FilesDirectory, "*", SearchOption.AllDirectories) : []);
}
