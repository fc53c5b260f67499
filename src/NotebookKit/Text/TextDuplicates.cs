namespace NotebookKit.Text;

/// <summary>
/// Duplicate messages (10-text-classification-case-study). Real message data repeats itself: the SMS Spam Collection
/// holds the same spam text many times. A test message whose twin is in the training data is not an unseen message,
/// so duplicates split across train and test inflate the test score. Compare by a key, such as the normalised text.
/// </summary>
public static class TextDuplicates
{
    /// <summary>The index of the first message of each distinct key, in order: keep these rows before splitting.</summary>
    public static int[] FirstOccurrences(IReadOnlyList<string> texts, Func<string, string>? key = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        key ??= t => t;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var keep = new List<int>();
        for (int i = 0; i < texts.Count; i++)
            if (seen.Add(key(texts[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(texts))))) keep.Add(i);
        return keep.ToArray();
    }

    /// <summary>How many of <paramref name="messages"/> have a key that also occurs in <paramref name="reference"/>.</summary>
    public static int CountSeenIn(IEnumerable<string> messages, IEnumerable<string> reference, Func<string, string>? key = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(reference);
        key ??= t => t;
        var known = new HashSet<string>(reference.Select(key), StringComparer.Ordinal);
        return messages.Count(m => known.Contains(key(m)));
    }

    /// <summary>
    /// Groups of messages that share a key but not a label (label noise): each is a list of indices. Deduplicating
    /// such a group keeps one label of several, so look at them first.
    /// </summary>
    public static int[][] ConflictingLabels(IReadOnlyList<string> texts, IReadOnlyList<int> labels, Func<string, string>? key = null)
    {
        if (texts.Count != labels.Count)
            throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        key ??= t => t;
        return Enumerable.Range(0, texts.Count).GroupBy(i => key(texts[i]), StringComparer.Ordinal)
            .Where(g => g.Select(i => labels[i]).Distinct().Count() > 1).Select(g => g.ToArray()).ToArray();
    }
}
