namespace NotebookKit.Setup;

/// <summary>
/// The kit's warning channel, for values that are defined by convention rather than by the data (as scikit-learn's
/// UndefinedMetricWarning): F1 with no positive samples, ROC with one class, a diverged training run. Each distinct
/// message prints once per session as a "warning:" line (visible under the notebook cell) and is kept in
/// <see cref="Issued"/>, so a check or a test can read it.
/// </summary>
public static class Warnings
{
    static readonly object gate = new();
    static readonly List<string> issued = [];
    static readonly HashSet<string> printed = [];

    /// <summary>Every warning issued since the last <see cref="Clear"/>, oldest first.</summary>
    public static IReadOnlyList<string> Issued { get { lock (gate) return issued.ToArray(); } }

    /// <summary>Raised for every warning, e.g. to turn warnings into errors in a strict run.</summary>
    public static event Action<string>? Raised;

    /// <summary>Records <paramref name="message"/>, prints it the first time it is seen, and raises <see cref="Raised"/>.</summary>
    public static void Issue(string message)
    {
        bool first;
        lock (gate)
        {
            issued.Add(message);
            first = printed.Add(message);
        }
        if (first) Console.WriteLine($"warning: {message}");
        Raised?.Invoke(message);
    }

    /// <summary>Forgets issued warnings (those already printed still print only once).</summary>
    public static void Clear()
    {
        lock (gate) issued.Clear();
    }
}
