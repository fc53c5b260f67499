using System.Text.Json;
using System.Text.Json.Serialization;

namespace NotebookKit.Text;

/// <summary>Row normalisation after weighting, as scikit-learn's <c>norm</c> parameter.</summary>
public enum RowNorm { None, L1, L2 }

/// <summary>
/// A document-frequency bound with scikit-learn's typing rule for <c>min_df</c> and <c>max_df</c>: an integer is a
/// number of documents, a floating-point value in [0, 1] a proportion of them. So <c>MinDf = 2</c> keeps terms in at
/// least two documents, and <c>MaxDf = 0.9</c> drops terms in more than 90% of them, exactly as in Python.
/// </summary>
public readonly record struct DfBound
{
    public double Value { get; }
    public bool IsProportion { get; }

    DfBound(double value, bool isProportion) { Value = value; IsProportion = isProportion; }

    public static implicit operator DfBound(int documents) => documents >= 0 ? new(documents, false)
        : throw new ArgumentOutOfRangeException(nameof(documents), $"A document count must be >= 0, got {documents}.");

    public static implicit operator DfBound(double proportion) => proportion is >= 0 and <= 1 ? new(proportion, true)
        : throw new ArgumentOutOfRangeException(nameof(proportion), $"A proportion of documents must be in [0, 1], got {proportion}.");

    /// <summary>The bound in documents for a corpus of <paramref name="documents"/>.</summary>
    public double Documents(int documents) => IsProportion ? Value * documents : Value;

    public override string ToString() => IsProportion ? $"{Value} of documents" : $"{Value} documents";
}

/// <summary>
/// scikit-learn's <c>TfidfTransformer</c> on term counts: tf is the count (1 + ln count with
/// <see cref="SublinearTf"/>), idf = ln((1 + n) / (1 + df)) + 1 with <see cref="SmoothIdf"/> (as if one extra
/// document held every term once, so no division by zero) else ln(n / df) + 1, then each row normalised.
/// idf is fitted on the training rows only.
/// </summary>
public sealed class TfidfTransformer
{
    public bool UseIdf { get; init; } = true;
    public bool SmoothIdf { get; init; } = true;
    public bool SublinearTf { get; init; }
    public RowNorm Norm { get; init; } = RowNorm.L2;
    public double[]? Idf { get; private set; }

    public TfidfTransformer Fit(SparseRows counts)
    {
        if (counts.Rows == 0) throw new ArgumentException("Cannot fit idf on no documents.", nameof(counts));
        if (!UseIdf) return this;
        var df = counts.ColumnCounts();
        double n = counts.Rows + (SmoothIdf ? 1 : 0);
        Idf = df.Select(d => Math.Log(n / (d + (SmoothIdf ? 1 : 0))) + 1).ToArray();
        return this;
    }

    public SparseRows Transform(SparseRows counts)
    {
        if (UseIdf && Idf is null) throw new InvalidOperationException("Fit the transformer (on training documents) before Transform.");
        if (Idf is not null && counts.Columns != Idf.Length)
            throw new ArgumentException($"The counts have {counts.Columns} columns but idf was fitted on {Idf.Length}.", nameof(counts));
        var values = new double[counts.Rows][];
        for (int r = 0; r < counts.Rows; r++)
        {
            var row = (double[])counts.Values[r].Clone();
            for (int k = 0; k < row.Length; k++)
            {
                if (SublinearTf && row[k] != 0) row[k] = Math.Log(row[k]) + 1;
                if (Idf is not null) row[k] *= Idf[counts.Indices[r][k]];
            }
            Normalise(row, Norm);
            values[r] = row;
        }
        return new SparseRows(counts.Columns, counts.Indices, values);
    }

    /// <summary>A transformer with idf already fitted (read back from a saved vectoriser).</summary>
    internal TfidfTransformer WithIdf(double[]? idf)
    {
        Idf = idf;
        return this;
    }

    internal static void Normalise(double[] row, RowNorm norm)
    {
        double size = norm switch
        {
            RowNorm.L2 => Math.Sqrt(row.Sum(v => v * v)),
            RowNorm.L1 => row.Sum(Math.Abs),
            _ => 0,
        };
        if (size == 0) return;   // empty rows stay zero, as in scikit-learn
        for (int k = 0; k < row.Length; k++) row[k] /= size;
    }
}

/// <summary>
/// scikit-learn's <c>TfidfVectorizer</c> on already tokenised documents (introduced in
/// 10-text-classification-case-study): the vocabulary is every training token whose document frequency lies within
/// [<see cref="MinDf"/>, <see cref="MaxDf"/>], the <see cref="MaxFeatures"/> most frequent of them (by total count)
/// when set, in code-point order (as Python sorts); then <see cref="TfidfTransformer"/> weighting. Tokens outside the vocabulary are
/// ignored at transform time.
/// </summary>
public sealed class TfidfVectorizer
{
    public DfBound MinDf { get; init; } = 1;
    public DfBound MaxDf { get; init; } = 1.0;
    public int? MaxFeatures { get; init; }
    public bool UseIdf { get; init; } = true;
    public bool SmoothIdf { get; init; } = true;
    public bool SublinearTf { get; init; }
    public RowNorm Norm { get; init; } = RowNorm.L2;

    Dictionary<string, int>? index;
    TfidfTransformer? weighting;

    /// <summary>The fitted terms; a term's position is its column.</summary>
    public IReadOnlyList<string> Vocabulary { get; private set; } = [];
    public double[]? Idf => weighting?.Idf;
    /// <summary>Documents each fitted term occurs in, by column.</summary>
    public int[] DocumentFrequencies { get; private set; } = [];
    /// <summary>Terms within MinDf and MaxDf before the MaxFeatures cap kept the most frequent of them.</summary>
    public int CandidateTerms { get; private set; }

    public TfidfVectorizer Fit(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        FitTransform(documents);
        return this;
    }

    public SparseRows FitTransform(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        if (documents.Count == 0) throw new ArgumentException("Cannot fit a vocabulary on no documents.", nameof(documents));
        if (MaxFeatures is < 1) throw new ArgumentOutOfRangeException(nameof(MaxFeatures), $"MaxFeatures must be positive, got {MaxFeatures}.");
        double high = MaxDf.Documents(documents.Count), low = MinDf.Documents(documents.Count);
        if (high < low) throw new ArgumentException($"MaxDf ({MaxDf}) corresponds to fewer documents than MinDf ({MinDf}).");
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            foreach (var token in document) total[token] = total.GetValueOrDefault(token) + 1;
            foreach (var token in document.Distinct(StringComparer.Ordinal)) df[token] = df.GetValueOrDefault(token) + 1;
        }
        var kept = df.Where(kv => kv.Value <= high && kv.Value >= low).Select(kv => kv.Key).ToArray().AsEnumerable();
        CandidateTerms = kept.Count();
        if (MaxFeatures is int limit)
            kept = kept.OrderByDescending(t => total[t]).ThenBy(t => t, CodePointOrder.Instance).Take(limit);
        Vocabulary = kept.OrderBy(t => t, CodePointOrder.Instance).ToArray();
        if (Vocabulary.Count == 0) throw new ArgumentException("After pruning, no terms remain. Try a lower MinDf or a higher MaxDf.");
        index = Vocabulary.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        DocumentFrequencies = Vocabulary.Select(t => df[t]).ToArray();
        var counts = Count(documents);
        weighting = new TfidfTransformer { UseIdf = UseIdf, SmoothIdf = SmoothIdf, SublinearTf = SublinearTf, Norm = Norm }.Fit(counts);
        return weighting.Transform(counts);
    }

    public SparseRows Transform(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        if (weighting is null) throw new InvalidOperationException("Fit the vectoriser (on training documents) before Transform.");
        return weighting.Transform(Count(documents));
    }

    const string Format = "notebookkit-tfidf/1";
    static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, MaxDepth = 8 };

    /// <summary>
    /// Writes what <see cref="Transform"/> needs as JSON: the fitted terms in column order, idf, and the weighting
    /// settings (a text package carries this file). The fitting bounds are not needed to transform and are not written.
    /// </summary>
    public void Save(string path)
    {
        if (weighting is null) throw new InvalidOperationException("Fit the vectoriser (on training documents) before saving it.");
        var stored = new Stored(Format, Vocabulary.ToArray(), Idf, SmoothIdf, SublinearTf, Norm);
        File.WriteAllText(path, JsonSerializer.Serialize(stored, Json));
    }

    /// <summary>Reads a vectoriser written by <see cref="Save"/>, ready to <see cref="Transform"/>; throws
    /// <see cref="InvalidDataException"/> naming what is wrong (repeated or empty terms, idf of the wrong length or not
    /// finite and positive).</summary>
    public static TfidfVectorizer Load(string path)
    {
        Stored? s;
        try { s = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a TF-IDF file: {e.Message}", e); }
        if (s is null || s.Format != Format)
            throw new InvalidDataException($"{path} is not a TF-IDF file (expected format '{Format}', got '{s?.Format}').");
        if (s.Vocabulary is not { Length: > 0 } terms || terms.Any(string.IsNullOrEmpty))
            throw new InvalidDataException($"{path}: the vocabulary must be a non-empty list of non-empty terms.");
        if (s.Idf is { } idf && (idf.Length != terms.Length || idf.Any(v => !double.IsFinite(v) || v <= 0)))
            throw new InvalidDataException($"{path}: idf must hold one finite positive value per term ({terms.Length}), got {idf.Length} values.");
        var index = new Dictionary<string, int>(terms.Length, StringComparer.Ordinal);
        for (int i = 0; i < terms.Length; i++)
            if (!index.TryAdd(terms[i], i)) throw new InvalidDataException($"{path} lists the term '{terms[i]}' twice.");
        var weighting = new TfidfTransformer { UseIdf = s.Idf is not null, SmoothIdf = s.SmoothIdf, SublinearTf = s.SublinearTf, Norm = s.Norm };
        return new TfidfVectorizer
        {
            UseIdf = s.Idf is not null, SmoothIdf = s.SmoothIdf, SublinearTf = s.SublinearTf, Norm = s.Norm,
            Vocabulary = terms, index = index, weighting = weighting.WithIdf(s.Idf),
        };
    }

    /// <summary>True when <paramref name="token"/> is one of the fitted terms.</summary>
    public bool Contains(string token) =>
        (index ?? throw new InvalidOperationException("Fit the vectoriser first.")).ContainsKey(token);

    sealed record Stored(string Format, string[] Vocabulary, double[]? Idf, bool SmoothIdf, bool SublinearTf, RowNorm Norm);

    /// <summary>Raw term counts over the fitted vocabulary (scikit-learn's CountVectorizer output).</summary>
    public SparseRows Count(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        if (index is null) throw new InvalidOperationException("Fit the vectoriser before counting.");
        return SparseRows.FromTokens(documents, Vocabulary.Count,
            token => index.TryGetValue(token, out int column) ? (column, 1.0) : null);
    }
}
