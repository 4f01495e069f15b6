using Grpc.Core;
using Yamori.Agent.Pipeline;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Uplink;

/// <summary>
/// State of one open stream: the cloud's limits, what is in flight, and the single writer (gRPC
/// allows one write at a time; batches, heartbeats and command results share the stream).
/// </summary>
internal sealed class UplinkSession(IClientStreamWriter<AgentMessage> writer)
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SortedSet<ulong> _outstanding = [];
    private readonly Lock _gate = new();

    /// <summary>The cloud has told its watermark and its limits (Ack, then FlowControl).</summary>
    public bool GreetingComplete => _watermarkKnown && _limitsKnown;

    private bool _watermarkKnown;
    private bool _limitsKnown;

    /// <summary>The cloud's watermark when the stream opened.</summary>
    public ulong Watermark { get; private set; }

    public bool Paused { get; private set; }

    public int MaxInFlight { get; private set; } = 4;

    public int MaxBatchEvents { get; private set; } = int.MaxValue;

    public int MaxBatchBytes { get; private set; } = int.MaxValue;

    /// <summary>Set when an ack, a rejection or a flow-control change may let the sender go on.</summary>
    public AsyncSignal WindowChanged { get; } = new();

    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>True until the first Ack of this stream: that one is the watermark, not an acknowledgement of something sent here.</summary>
    public bool AwaitingWatermark => !_watermarkKnown;

    public void OnAck(ulong sequence)
    {
        lock (_gate)
        {
            if (!_watermarkKnown)
            {
                Watermark = sequence;
                _watermarkKnown = true;
            }

            _outstanding.RemoveWhere(s => s <= sequence);
        }

        WindowChanged.Set();
    }

    public void OnRejected(ulong sequence)
    {
        lock (_gate)
        {
            _outstanding.Remove(sequence);
        }

        WindowChanged.Set();
    }

    public void OnFlowControl(FlowControl flow)
    {
        if (flow.MaxInFlightBatches > 0)
        {
            MaxInFlight = (int)Math.Min(flow.MaxInFlightBatches, 1024);
        }

        if (flow.MaxBatchEvents > 0)
        {
            MaxBatchEvents = (int)Math.Min(flow.MaxBatchEvents, int.MaxValue);
        }

        if (flow.MaxBatchBytes > 0)
        {
            MaxBatchBytes = (int)Math.Min(flow.MaxBatchBytes, int.MaxValue);
        }

        Paused = flow.Paused;
        _limitsKnown = true;
        WindowChanged.Set();
    }

    public void OnSent(ulong sequence)
    {
        lock (_gate)
        {
            _outstanding.Add(sequence);
        }
    }

    public async Task WriteAsync(AgentMessage message, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await writer.WriteAsync(message, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
