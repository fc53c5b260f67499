using NotebookKit.Text;

namespace NotebookKit.Tests.Text;

public class TextPreprocessingTests
{
    static readonly TextNormalizer Normalizer = TextNormalizer.Default;

    [Theory]
    [InlineData("ＷＩＮ ＮＯＷ", "win now")]                                // full-width letters (NFKC)
    [InlineData("Call ０９０６１７０１４６１ now", "call xxphone now")]      // full-width digits become a phone number
    [InlineData("Visit http://www.example.com/x?y=1 today", "visit xxurl today")]
    [InlineData("go to www.getzed.co.uk!", "go to xxurl !")]
    [InlineData("txt WIN to 87121, cost £1.50", "txt win to xxnum , cost £ xxnum")]
    [InlineData("ring +44 7700 900123 or 08712460324", "ring xxphone or xxphone")]
    [InlineData("mail me at Bob.Smith@example.org", "mail me at xxemail")]
    [InlineData("STRASSE Straße ΣΟΦΟΣ", "strasse strasse σοφοσ")]               // ß and final sigma fold
    [InlineData("ﬁnally\t\n  here", "finally here")]                             // ligature, whitespace runs
    public void NormalizerFoldsCaseAndReplacesUrlsPhonesAndNumbers(string raw, string expected) =>
        Assert.Equal(expected, Normalizer.Normalize(raw));

    [Fact]
    public void ALoneSurrogateIsRefusedNamingItsIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => Normalizer.Normalize("ok \ud800 there"));
        Assert.Contains("lone surrogate at index 3", error.Message);
        Assert.Equal(-1, TextNormalizer.InvalidUtf16At("emoji 😀 is a valid pair"));
    }

    [Fact]
    public void WordTokenizerKeepsPlaceholdersWholeAndPunctuationApart() =>
        Assert.Equal(["win", "xxnum", "now", "!!!", "xxurl"], new WordTokenizer().Tokenize("win xxnum now!!! xxurl"));

    [Fact]
    public void ChineseHasNoWordBoundariesButCharacterNGramsShareParts()
    {
        // "customer service phone" vs "customer service hours": one word token each, but they share character bigrams.
        var words = new WordTokenizer();
        Assert.Single(words.Tokenize("客服电话"));
        var grams = new CharNGramTokenizer(2, 2);
        Assert.Equal(["客服", "服电", "电话"], grams.Tokenize("客服电话"));
        Assert.Contains("客服", grams.Tokenize("客服时间"));
    }

    [Fact]
    public void CharNGramsCountAnEmojiAsOneCharacter() =>
        Assert.Equal(["a😀", "😀b"], new CharNGramTokenizer(2, 2).Tokenize("a😀b"));

    [Fact]
    public void VocabularyIsFittedByCountWithPaddingAndOovFirst()
    {
        string[][] train = [["b", "a", "b"], ["c", "b", "a"], ["d"]];
        var vocabulary = Vocabulary.Fit(train, minCount: 2);
        Assert.Equal([Vocabulary.PadToken, Vocabulary.OovToken, "b", "a"], vocabulary.Tokens);
        Assert.Equal(Vocabulary.OovId, vocabulary["d"]);
        Assert.Equal(4, Vocabulary.Fit(train, maxSize: 2).Count);   // the two most frequent plus the two specials
        Assert.Equal(0.5, vocabulary.OovRate([["a", "zzz"]]));
    }

    [Fact]
    public void VocabularySavesAndLoadsTheSameIds()
    {
        var vocabulary = Vocabulary.Fit([["spam", "😀", "客服", "spam"]]);
        var path = Path.Combine(Path.GetTempPath(), $"vocab-{Guid.NewGuid():N}.json");
        try
        {
            vocabulary.Save(path);
            var loaded = Vocabulary.Load(path);
            Assert.Equal(vocabulary.Tokens, loaded.Tokens);
            File.WriteAllText(path, "{\"Format\":\"something else\"}");
            Assert.Contains("not a vocabulary file", Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path)).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EncodingPadsShortAndTruncatesLongDocuments()
    {
        var vocabulary = Vocabulary.Fit([["a", "b", "c"]]);
        using var ids = vocabulary.Encode([["a"], ["a", "b", "c", "zzz"]], maxLength: 3);
        Assert.Equal(new long[] { 2, 0, 0, 2, 3, 4 }, ids.data<long>().ToArray());
        using var tail = vocabulary.Encode([["a", "b", "c", "zzz"]], maxLength: 3, keepEnd: true);
        Assert.Equal(new long[] { 3, 4, Vocabulary.OovId }, tail.data<long>().ToArray());
    }
}

public class WordTokenizerCrossCheckTests
{
    [Fact]
    public void WordTokenizerSplitsEverySmsLikeMicrosoftMLTokenizersWordOrNonWordPreTokenizer()
    {
        var reference = Microsoft.ML.Tokenizers.PreTokenizer.CreateWordOrNonWord();
        var ours = new WordTokenizer();
        var sms = NotebookKit.Data.Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv"));
        foreach (var raw in sms.Texts.Append("客服电话 😀!! café_2"))
        {
            var text = TextNormalizer.Default.Normalize(raw);
            var expected = reference.PreTokenize(text).Select(span => text.Substring(span.Offset, span.Length)).ToArray();
            Assert.Equal(expected, ours.Tokenize(text));
        }
    }
}
