using Yamori.Agent.Hosting;
using Yamori.Agent.Uplink;

namespace Yamori.Agent.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Options_switches_and_files_are_told_apart()
    {
        CommandLine cl = CommandLine.Parse(["--data", "/d", "a.evtx", "--purge", "b.json"]);
        Assert.Equal("/d", cl.Get("data"));
        Assert.True(cl.Has("purge"));
        Assert.Equal(["a.evtx", "b.json"], cl.Positional);
    }

    [Fact]
    public void A_missing_value_or_a_repeated_option_is_an_error_naming_it()
    {
        Assert.Contains("--data", Assert.Throws<ArgumentException>(() => CommandLine.Parse(["--data"])).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => CommandLine.Parse(["--data", "a", "--data", "b"])).Message, StringComparison.Ordinal);
        Assert.Contains("--token", Assert.Throws<ArgumentException>(() => CommandLine.Parse([]).Require("token")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_grows_within_its_bounds_and_starts_over_after_reset()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), new Random(7));
        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Next()).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)));
        Assert.True(delays.Skip(6).Max() > TimeSpan.FromMilliseconds(800), "the ceiling grows");
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }
}
