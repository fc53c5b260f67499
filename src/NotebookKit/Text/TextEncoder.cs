namespace NotebookKit.Text;

/// <summary>What a text model reads: token ids (embedding models) or TF-IDF weights (the Keras MLP).</summary>
public enum TextFeatureKind { Ids, Tfidf }

/// <summary>Raw texts made ready for a model: each text's tokens, and the model's input rows, row-major
/// <c>[texts, Features]</c> as float32 (token ids are exact in float32 up to 2^24).</summary>
public sealed record EncodedTexts(string[][] Tokens, float[] Rows, int Features)
{
    public int Count => Tokens.Length;
}

/// <summary>
/// Raw text to a model's input (introduced in 10-text-classification-case-study): normalise and tokenise with the
/// <see cref="Pipeline"/>, then either look the tokens up in a <see cref="Text.Vocabulary"/> and pad or cut them to
/// <see cref="SequenceLength"/> ids (<see cref="Vocabulary.Encode"/>), or weight them with a fitted
/// <see cref="TfidfVectorizer"/>. This is the preprocessing a <see cref="TextPackage"/> carries and the model server
/// runs on every request, so served and in-process predictions see the same numbers.
/// </summary>
public sealed class TextEncoder
{
    public TextPipeline Pipeline { get; }
    /// <summary>The id vocabulary (for <see cref="TextFeatureKind.Ids"/>), else null.</summary>
    public Vocabulary? Vocabulary { get; }
    /// <summary>The fitted TF-IDF vectoriser (for <see cref="TextFeatureKind.Tfidf"/>), else null.</summary>
    public TfidfVectorizer? Tfidf { get; }
    /// <summary>Ids per text (padded or cut); 0 for TF-IDF.</summary>
    public int SequenceLength { get; }
    /// <summary>Keep a long text's last tokens instead of its first.</summary>
    public bool KeepEnd { get; }
    public TextFeatureKind Kind => Vocabulary is null ? TextFeatureKind.Tfidf : TextFeatureKind.Ids;
    /// <summary>Values per text in the model's input: <see cref="SequenceLength"/> ids, or one weight per TF-IDF term.</summary>
    public int Features => Kind == TextFeatureKind.Ids ? SequenceLength : Tfidf!.Vocabulary.Count;

    /// <summary>Ids above this are not exact in float32, the server's row type.</summary>
    public const int MaxVocabulary = 1 << 24;

    TextEncoder(TextPipeline pipeline, Vocabulary? vocabulary, TfidfVectorizer? tfidf, int sequenceLength, bool keepEnd)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(pipeline.Normalizer, nameof(pipeline));
        ArgumentNullException.ThrowIfNull(pipeline.Tokenizer, nameof(pipeline));
        (Pipeline, Vocabulary, Tfidf, SequenceLength, KeepEnd) = (pipeline, vocabulary, tfidf, sequenceLength, keepEnd);
    }

    /// <summary>Token ids, padded with 0 or cut to <paramref name="sequenceLength"/> (as <see cref="Vocabulary.Encode"/>).</summary>
    public static TextEncoder Ids(TextPipeline pipeline, Vocabulary vocabulary, int sequenceLength, bool keepEnd = false)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (sequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(sequenceLength), $"sequenceLength must be at least 1, got {sequenceLength}.");
        if (vocabulary.Count > MaxVocabulary)
            throw new ArgumentException($"The vocabulary has {vocabulary.Count} ids; at most {MaxVocabulary} are exact in float32.", nameof(vocabulary));
        return new TextEncoder(pipeline, vocabulary, null, sequenceLength, keepEnd);
    }

    /// <summary>TF-IDF weights over the fitted vectoriser's terms.</summary>
    public static TextEncoder TfIdf(TextPipeline pipeline, TfidfVectorizer tfidf)
    {
        ArgumentNullException.ThrowIfNull(tfidf);
        if (tfidf.Vocabulary.Count == 0) throw new ArgumentException("Fit the TF-IDF vectoriser (on training texts) first.", nameof(tfidf));
        return new TextEncoder(pipeline, null, tfidf, 0, false);
    }

    /// <summary>True when the model knows <paramref name="token"/> (in the vocabulary or among the TF-IDF terms):
    /// what the out-of-vocabulary rate counts.</summary>
    public bool Known(string token) => Vocabulary?.Contains(token) ?? Tfidf!.Contains(token);

    /// <summary>
    /// Tokens and model input of each text. Throws <see cref="ArgumentException"/> naming the first text that
    /// <see cref="TextInput.Problem"/> refuses (a lone surrogate, a control character) or that is null.
    /// </summary>
    public EncodedTexts Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokens = new string[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) throw new ArgumentException($"Text {i} is null.", nameof(texts));
            if (TextInput.Problem(texts[i]) is { } problem) throw new ArgumentException($"Text {i}: {problem}", nameof(texts));
            tokens[i] = Pipeline.Tokens(texts[i]);
        }
        float[] rows;
        if (Kind == TextFeatureKind.Ids)
        {
            var ids = Vocabulary!.EncodeIds(tokens, SequenceLength, KeepEnd);
            rows = new float[ids.Length];
            for (int i = 0; i < ids.Length; i++) rows[i] = ids[i];
        }
        else rows = Tfidf!.Transform(tokens).ToDenseFloats();
        return new EncodedTexts(tokens, rows, Features);
    }
}

/// <summary>
/// What raw text a text model accepts (the in-process <see cref="TextPackage"/> and the model server apply the same
/// rule): valid UTF-16 (no lone surrogate) and no C0 control character other than tab, line feed and carriage return
/// (NUL, bell, escape...), nor DEL. C1 controls (U+0080 to U+009F) are accepted: real messages hold them where
/// Windows-1252 quotes were decoded as Latin-1 (the SMS collection has 50 such characters).
/// </summary>
public static class TextInput
{
    /// <summary>A sentence naming the first problem in <paramref name="text"/>, or null when it is acceptable.</summary>
    public static string? Problem(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int bad = TextNormalizer.InvalidUtf16At(text);
        if (bad >= 0) return $"A lone UTF-16 surrogate at index {bad}: the text is not valid Unicode.";
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c == '\u007f')
                return $"Control character U+{(int)c:X4} at index {i}: of the control characters only tab, line feed and carriage return are accepted.";
        }
        return null;
    }
}
