using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NotebookKit.Text;

/// <summary>Splits one (normalised) text into tokens.</summary>
public interface ITokenizer
{
    string[] Tokenize(string text);
}

/// <summary>
/// Words: runs of letters, digits and underscores, and runs of other non-space characters (punctuation, emoji) as
/// tokens of their own, the pattern <c>\w+|[^\w\s]+</c> of Microsoft.ML.Tokenizers' word-or-non-word pre-tokenizer.
/// Text written without spaces (Chinese, Japanese, Thai) comes out as one token per run: use
/// <see cref="CharNGramTokenizer"/> there.
/// </summary>
/// <remarks>
/// A single pass over the characters, with the regex's classes (<c>\w</c> is the Unicode categories L, Mn, Nd and
/// Pc, <c>\s</c> is <see cref="char.IsWhiteSpace(char)"/>, both per UTF-16 unit). Matching the pattern with
/// <see cref="Regex.Matches(string)"/> kept a <see cref="Match"/> object per token alive until the end, and on long
/// hostile texts that made the time grow faster than the text.
/// </remarks>
public sealed class WordTokenizer : ITokenizer
{
    /// <summary>Keep punctuation runs as tokens ("!!!" says something about spam); false keeps words only.</summary>
    public bool KeepPunctuation { get; init; } = true;

    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            var kind = KindOf(text[start]);
            int end = start + 1;
            while (end < text.Length && KindOf(text[end]) == kind) end++;
            if (kind == CharKind.Word || (kind == CharKind.Other && KeepPunctuation)) tokens.Add(text[start..end]);
            start = end;
        }
        return tokens.ToArray();
    }

    internal enum CharKind { Word, Space, Other }

    /// <summary>The class of one UTF-16 unit under the regex's <c>\w</c> and <c>\s</c>.</summary>
    internal static CharKind KindOf(char c)
    {
        if (char.IsWhiteSpace(c)) return CharKind.Space;
        return char.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => CharKind.Word,
            _ => CharKind.Other,
        };
    }
}

/// <summary>
/// Character n-grams with scikit-learn's <c>analyzer="char"</c> semantics: runs of two or more whitespace characters
/// become one space, then every substring of <c>MinN..MaxN</c> characters, shorter n first. Characters are Unicode
/// code points (as in Python), so an emoji outside the Basic Multilingual Plane counts as one. Needs no word
/// boundaries, so it works for languages written without spaces.
/// </summary>
public sealed partial class CharNGramTokenizer : ITokenizer
{
    public int MinN { get; }
    public int MaxN { get; }

    public CharNGramTokenizer(int minN = 2, int maxN = 4)
    {
        if (minN < 1 || maxN < minN)
            throw new ArgumentException($"n-gram range must satisfy 1 <= minN <= maxN, got ({minN}, {maxN}).");
        MinN = minN;
        MaxN = maxN;
    }

    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int bad = TextNormalizer.InvalidUtf16At(text);
        if (bad >= 0) throw new ArgumentException($"Text is not valid UTF-16: a lone surrogate at index {bad}.", nameof(text));
        var runes = WhiteSpaceRuns().Replace(text, " ").EnumerateRunes().Select(r => r.ToString()).ToArray();
        var tokens = new List<string>();
        var builder = new StringBuilder();
        for (int n = MinN; n <= Math.Min(MaxN, runes.Length); n++)
            for (int i = 0; i + n <= runes.Length; i++)
            {
                builder.Clear();
                for (int k = i; k < i + n; k++) builder.Append(runes[k]);
                tokens.Add(builder.ToString());
            }
        return tokens.ToArray();
    }

    // Python's re \s (Unicode) matches the same characters as .NET's \s for the texts here.
    [GeneratedRegex(@"\s\s+")]
    private static partial Regex WhiteSpaceRuns();
}

/// <summary>Normalise then tokenise many texts: the preprocessing every model in notebook 10 shares.</summary>
public sealed record TextPipeline(TextNormalizer Normalizer, ITokenizer Tokenizer)
{
    public string[] Tokens(string text) => Tokenizer.Tokenize(Normalizer.Normalize(text));

    public string[][] Tokens(IEnumerable<string> texts) => texts.Select(Tokens).ToArray();
}
