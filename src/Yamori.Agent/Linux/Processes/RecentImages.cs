namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// The images of the most recent execs, by pid, for other collectors: a file or connection event
/// read after its process exited (mv, rm, a short script) still names the program that acted.
/// Bounded FIFO; a pid reused since is overwritten by its newer exec.
/// </summary>
public sealed class RecentImages(int capacity = 16_384)
{
    private readonly Dictionary<int, string> _images = [];
    private readonly Queue<int> _order = new();
    private readonly Lock _gate = new();

    public void Remember(int pid, string image)
    {
        lock (_gate)
        {
            if (_images.TryAdd(pid, image))
            {
                _order.Enqueue(pid);
                if (_order.Count > capacity)
                {
                    _images.Remove(_order.Dequeue());
                }
            }
            else
            {
                _images[pid] = image;
            }
        }
    }

    public string? Lookup(int pid)
    {
        lock (_gate)
        {
            return _images.TryGetValue(pid, out string? image) ? image : null;
        }
    }
}
