using Yamori.Agent.Spool;

namespace Yamori.Agent.Tests;

public sealed class SkeletonTests
{
    [Fact]
    public void Batch_bytes_sum_its_records()
    {
        var batch = new SpooledBatch(1, [new byte[3], new byte[5]]);
        Assert.Equal(8, batch.Bytes);
    }
}
