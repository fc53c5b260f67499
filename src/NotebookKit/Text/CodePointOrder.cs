namespace NotebookKit.Text;

/// <summary>
/// Orders strings by Unicode code point, as Python sorts them. Ordinal order compares UTF-16 units, which puts an
/// emoji (a surrogate pair, 0xD83D...) before a full-width question mark (0xFF1F); Python puts it after, so
/// scikit-learn's column order needs this comparer.
/// </summary>
public sealed class CodePointOrder : IComparer<string>
{
    public static CodePointOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var a = x.EnumerateRunes();
        var b = y.EnumerateRunes();
        while (true)
        {
            bool moreA = a.MoveNext(), moreB = b.MoveNext();
            if (!moreA || !moreB) return moreA ? 1 : moreB ? -1 : 0;
            int c = a.Current.Value.CompareTo(b.Current.Value);
            if (c != 0) return c;
        }
    }
}
