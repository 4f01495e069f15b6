using Yamori.Evtx.Decoding;

namespace Yamori.Evtx.Tests;

public sealed class Crc32Tests
{
    [Fact]
    public void KnownValue() => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void VectorPathsEqualTheTableAtEveryLengthAndAlignment()
    {
        var rng = new Random(5);
        byte[] data = new byte[70_000];
        rng.NextBytes(data);
        for (int len = 0; len < 600; len++)
        {
            int off = rng.Next(32);
            Assert.Equal(Crc32.ComputeScalar(data.AsSpan(off, len)), Crc32.Compute(data.AsSpan(off, len)));
        }

        for (int i = 0; i < 200; i++)
        {
            int off = rng.Next(1000);
            int len = rng.Next(data.Length - off);
            Assert.Equal(Crc32.ComputeScalar(data.AsSpan(off, len)), Crc32.Compute(data.AsSpan(off, len)));
        }

        // Appending in pieces equals one pass.
        Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, 1000)), data.AsSpan(1000)));
    }
}
