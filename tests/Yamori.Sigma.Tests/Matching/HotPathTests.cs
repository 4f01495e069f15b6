using System.Text.RegularExpressions;
using Yamori.Sigma.Events;
using Yamori.Sigma.Matching;

namespace Yamori.Sigma.Tests.Matching;

/// <summary>The hot-path shortcuts must not change answers.</summary>
public sealed class HotPathTests
{
    [Fact]
    public void Regex_answers_the_same_before_and_after_it_is_compiled_on_a_hot_thread()
    {
        var test = new RegexTest(new Regex(@"ipconfig\s+/all", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
        for (int i = 0; i < 3000; i++)
        {
            // Alternate hits and misses across the promotion point (1,000 evaluations).
            bool hit = i % 3 == 0;
            Assert.Equal(hit, test.Test(hit ? "cmd /c ipconfig   /all" : "cmd /c IPCONFIG /all"));
        }
    }

    [Fact]
    public void Regex_instances_are_per_thread_and_agree()
    {
        var test = new RegexTest(new Regex("a+b", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
        bool[] results = new bool[8];
        Parallel.For(0, results.Length, i =>
        {
            bool ok = true;
            for (int k = 0; k < 2000; k++)
            {
                ok &= test.Test("xxaaab") && !test.Test("xxb");
            }

            results[i] = ok;
        });
        Assert.All(results, Assert.True);
    }

    [Theory]
    [InlineData("CommandLine", "commandline")]
    [InlineData("Image", "IMAGE")]
    [InlineData("Provider_Name", "provider_name")]
    public void Field_names_are_found_whatever_their_case(string stored, string asked)
    {
        var e = new FlatEvent();
        e.Set(stored, "v");
        Assert.True(e.TryGetField(asked, out FieldValue v));
        Assert.Equal("v", v.Text);
    }

    [Fact]
    public void Field_names_with_equal_cheap_hashes_stay_distinct()
    {
        // Same length, same first, middle and last characters: the comparer's hash collides on purpose.
        var e = new FlatEvent();
        e.Set("AxxBxxC", "1");
        e.Set("AyyByyC", "2");
        Assert.True(e.TryGetField("axxbxxc", out FieldValue a) && a.Text == "1");
        Assert.True(e.TryGetField("AYYBYYC", out FieldValue b) && b.Text == "2");
        Assert.False(e.TryGetField("AzzBzzC", out _));
    }
}
