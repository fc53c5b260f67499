namespace NotebookKit.Setup;

/// <summary>
/// The three run sizes every notebook's parameters cell offers: <c>fast</c> (CI, seconds to a minute on 2 cores),
/// <c>workshop</c> (the default: a few minutes per notebook on a 4-core laptop) and <c>full</c> (a realistic run,
/// GPU recommended). <c>nbkit run --fast</c> sets <c>size = "fast"</c>.
/// </summary>
public static class Sizes
{
    public static readonly IReadOnlyList<string> Names = ["fast", "workshop", "full"];

    /// <summary>The value for <paramref name="size"/>; throws naming the valid sizes for anything else.</summary>
    public static T Pick<T>(string size, T fast, T workshop, T full) => size switch
    {
        "fast" => fast,
        "workshop" => workshop,
        "full" => full,
        _ => throw new ArgumentException(
            $"size must be \"fast\", \"workshop\" or \"full\", got \"{size}\"", nameof(size)),
    };
}
