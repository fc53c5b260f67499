using System.Text;
using System.Text.RegularExpressions;

namespace NotebookKit.Text;

/// <summary>
/// Cleans raw messages before tokenising (introduced in 10-text-classification-case-study): Unicode NFKC (full-width
/// letters and digits, ligatures and compatibility forms become their plain equivalents), case folding, then URLs,
/// e-mail addresses, phone numbers and other numbers replaced by placeholder tokens, and whitespace collapsed.
/// Placeholders are plain words (<c>xxurl</c>, <c>xxemail</c>, <c>xxphone</c>, <c>xxnum</c>) so that every word
/// tokeniser keeps them whole. The order matters: e-mail addresses before URLs (a domain
/// looks like a URL), and both before phone numbers, which come before other numbers.
/// </summary>
public sealed partial class TextNormalizer
{
    public const string Url = "xxurl", Email = "xxemail", Phone = "xxphone", Number = "xxnum";

    public bool Nfkc { get; init; } = true;
    /// <summary>Lower-case with the invariant culture, plus the full case folds of ß (to ss) and final sigma (to σ).</summary>
    public bool CaseFold { get; init; } = true;
    public bool Urls { get; init; } = true;
    public bool Emails { get; init; } = true;
    /// <summary>A run of 10 or more digits, optionally starting with + and split by single spaces or hyphens.</summary>
    public bool PhoneNumbers { get; init; } = true;
    public bool Numbers { get; init; } = true;

    public static TextNormalizer Default { get; } = new();

    /// <summary>
    /// The normalised text. Throws naming the problem when <paramref name="text"/> is null or is not valid UTF-16
    /// (a lone surrogate), because NFKC of invalid text is undefined.
    /// </summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int bad = InvalidUtf16At(text);
        if (bad >= 0) throw new ArgumentException($"Text is not valid UTF-16: a lone surrogate at index {bad}.", nameof(text));
        if (Nfkc && !text.IsNormalized(NormalizationForm.FormKC)) text = text.Normalize(NormalizationForm.FormKC);
        if (Emails) text = EmailPattern.Replace(text, " " + Email + " ");
        if (Urls) text = UrlPattern.Replace(text, " " + Url + " ");
        if (PhoneNumbers) text = PhonePattern().Replace(text, " " + Phone + " ");
        if (Numbers) text = NumberPattern().Replace(text, " " + Number + " ");
        if (CaseFold) text = Fold(text);
        return Spaces().Replace(text, " ").Trim();
    }

    /// <summary>The index of the first lone surrogate, or -1 when <paramref name="text"/> is valid UTF-16.</summary>
    public static int InvalidUtf16At(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return i;
        }
        return -1;
    }

    static string Fold(string text)
    {
        var lower = text.ToLowerInvariant();
        if (lower.IndexOfAny(['ß', 'ς']) < 0) return lower;
        return lower.Replace("ß", "ss").Replace('ς', 'σ');
    }

    // E-mail and URL patterns backtrack in quadratic time on runs such as "a.a.a.a..." (each start rescans the run):
    // 20,000 characters of it took seconds, a hostile request to the model server minutes. The non-backtracking
    // engine finds the same matches in linear time; the phone pattern needs lookarounds, which it lacks, and is linear.
    internal const string UrlText = @"\b(?:(?:https?|ftp)://|www\.)\S*[^\s.,!?;:)'""]|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|co\.uk|uk|biz|info)\b(?:/\S*)?";
    internal const string EmailText = @"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b";
    internal const RegexOptions UrlOptions = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, EmailOptions = RegexOptions.CultureInvariant;
    static readonly Regex UrlPattern = new(UrlText, UrlOptions | RegexOptions.NonBacktracking);
    static readonly Regex EmailPattern = new(EmailText, EmailOptions | RegexOptions.NonBacktracking);

    [GeneratedRegex(@"(?<![\w+])\+?\d(?:[ -]?\d){9,}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"\d+(?:[.,]\d+)*", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
