using Yamori.Cloud.Identity;

namespace Yamori.Cli.Commands;

/// <summary>
/// <c>yamori totp</c>: the current code for a TOTP secret read from standard input, for trying the
/// console without an authenticator app (the demo operator's secret is printed by <c>yamori up</c>).
/// The secret is never taken as an argument, where the process list would show it.
/// </summary>
internal static class TotpCommand
{
    public static int Run(TextReader stdin, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        string? line = stdin.ReadLine();
        byte[]? secret = Base32.TryDecode(line?.Trim().Replace(" ", "", StringComparison.Ordinal));
        if (secret is null || secret.Length == 0)
        {
            stderr.WriteLine("yamori totp: expected a base32 TOTP secret on standard input (as `yamori up` prints it)");
            return 2;
        }

        DateTimeOffset now = time.GetUtcNow();
        long step = Totp.StepAt(now);
        long remaining = Totp.StepSeconds - (now.ToUnixTimeSeconds() % Totp.StepSeconds);
        stdout.WriteLine($"{Totp.Code(secret, step)}   (valid for {remaining} s)");
        return 0;
    }
}
