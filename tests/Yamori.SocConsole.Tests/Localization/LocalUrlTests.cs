using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Tests.Localization;

public sealed class LocalUrlTests
{
    [Theory]
    [InlineData("/incidents", "/incidents")]
    [InlineData("/incidents/01a2?town=x", "/incidents/01a2?town=x")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("/\t/evil.example/", "/")]
    [InlineData("/ /evil.example/", "/")]
    [InlineData("/redirect?to=https://evil.example/", "/")]
    [InlineData("incidents", "/")]
    public void Only_paths_on_this_site_are_returned_to(string? asked, string expected) =>
        Assert.Equal(expected, LocalUrl.OrHome(asked));
}
