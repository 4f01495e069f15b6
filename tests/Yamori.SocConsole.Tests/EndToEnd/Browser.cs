using Microsoft.Playwright;

namespace Yamori.SocConsole.Tests.EndToEnd;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser), headless, each person in
/// their own context (cookies), screenshots kept as test artifacts.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where screenshots go: <c>YAMORI_ARTIFACTS</c>, else <c>artifacts/console</c> next to the test binaries.</summary>
    public static string ArtifactDirectory { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("YAMORI_ARTIFACTS") is { Length: > 0 } a ? Path.Combine(a, "console") : Path.Combine(AppContext.BaseDirectory, "artifacts", "console")).FullName;

    public static async Task<Browser> LaunchAsync()
    {
        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh person at a laptop-sized window. The cloud's certificate comes from its own CA, which this throwaway profile does not hold.</summary>
    public async Task<IPage> NewPageAsync()
    {
        IBrowserContext context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            Locale = "ja-JP",
            TimezoneId = "Asia/Tokyo",
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(30_000);

        // Page loads on a CI machine running other test projects at once can take longer than clicks.
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Navigates like <see cref="IPage.GotoAsync"/>, once more if Chromium aborted the load because
    /// the host's network changed: the agent and isolation tests of other test projects, running at
    /// the same time, add and remove veth interfaces, and Chromium cancels a request in flight when
    /// an interface's address changes (net::ERR_NETWORK_CHANGED, seen once in a full ./test.sh run).
    /// </summary>
    public static async Task OpenAsync(IPage page, string url)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await page.GotoAsync(url);
                return;
            }
            catch (PlaywrightException e) when (attempt < 3 && e.Message.Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal))
            {
                await Task.Delay(500);
            }
        }
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
