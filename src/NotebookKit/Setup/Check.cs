namespace NotebookKit.Setup;

/// <summary>Checks that can fail, for the end of a notebook cell: a broken notebook must fail CI.</summary>
public static class Check
{
    /// <summary>Throws naming <paramref name="claim"/> when <paramref name="condition"/> is false; prints it when true.</summary>
    public static void That(bool condition, string claim)
    {
        if (!condition) throw new CheckFailedException($"Check failed: {claim}");
        Console.WriteLine($"check passed: {claim}");
    }
}

public sealed class CheckFailedException(string message) : Exception(message);
