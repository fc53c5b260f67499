using System.Text;
using System.Text.RegularExpressions;
using NotebookKit.Compression;
using NotebookKit.Data;
using NotebookKit.Text;

namespace NotebookKit.Tests.Text;

/// <summary>
/// The model server normalises and tokenises untrusted text, so the time per text must grow in proportion to its
/// length. Times are compared by ratio (8 times the text against the text), never against a wall-clock bound, and
/// measured as the CPU time of the test's own thread, so other processes on a busy machine do not count; the tests run
/// one at a time (AssemblyInfo).
/// </summary>
public class TextLinearTimeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Texts built to hurt each stage: regex bait for e-mail, URL, phone and number patterns (runs that almost
    /// match, and runs of many matches), NFKC expansion, long runs of one token class.</summary>
    static string[] Hostile(int n)
    {
        string Repeat(string unit) => new StringBuilder(n + unit.Length).Insert(0, unit, n / unit.Length).ToString();
        return
        [
            Repeat("www."), Repeat("a."), Repeat("a-") + ".co", Repeat("1 "), Repeat("+1-"), Repeat("a@"),
            "http://" + new string('x', n - 7), Repeat("1.1,"), Repeat("a.a@"), Repeat("a@b.c "), Repeat("x.com "),
            Repeat("0123456789 "), Repeat("1-"), Repeat("!?"), Repeat("a!"), new string('\uFDFA', n / 18),
            "a" + new string('\u0301', n - 1), Repeat("\u202e\u200b\ufeff\uffff"), new string(' ', n), Repeat("ß"),
            Repeat("ＦＲＥＥ "),
        ];
    }

    /// <summary>8x the text may take at most this many times as long: linear is 8, quadratic 64.</summary>
    const double MaxRatio = 20;

    /// <summary>
    /// The CPU time of one call on this thread: the fastest of five rounds, each repeating the call for at least 20 ms
    /// of CPU. Thread CPU time leaves out the time the thread waits while other processes run, which on a busy machine
    /// is most of the wall-clock time; the fastest round leaves out the rest of the noise.
    /// </summary>
    static double SecondsPerCall(Action call)
    {
        call();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            int calls = 0;
            double start = ThreadCpuSeconds(), used;
            do { call(); calls++; } while ((used = ThreadCpuSeconds() - start) < 0.02);
            best = Math.Min(best, used / calls);
        }
        return best;
    }

    /// <summary>The calling thread's CPU time where the kit can read it (Linux), else the wall clock.</summary>
    static double ThreadCpuSeconds() => TimingClocks.NowMs(TimingClocks.Best(onCpu: true)) / 1000;

    static double Ratio(Func<int, Action> callAt, int n) => SecondsPerCall(callAt(8 * n)) / SecondsPerCall(callAt(n));

    [Fact]
    public void The_timing_tells_a_quadratic_step_from_a_linear_one()
    {
        // Rebuilding a string at every character is quadratic: the same measurement must catch it.
        static string Quadratic(string text)
        {
            var s = "";
            foreach (char c in text) s = c + s;
            return s;
        }
        double quadratic = Ratio(n => { var text = new string('a', n); return () => Quadratic(text); }, 2_000);
        double linear = Ratio(n => { var text = new string('a', n); return () => text.Reverse().ToArray(); }, 20_000);
        output.WriteLine($"8x the text: quadratic step {quadratic:F1}x the time, linear step {linear:F1}x");
        Assert.True(quadratic > MaxRatio, $"a quadratic step took only {quadratic:F1}x for 8x the text");
        Assert.True(linear <= MaxRatio, $"a linear step took {linear:F1}x for 8x the text");
    }

    [Fact]
    public void Normalising_and_tokenising_hostile_text_takes_time_in_proportion_to_its_length()
    {
        var pipeline = new TextPipeline(TextNormalizer.Default, new WordTokenizer());
        var slow = new List<string>();
        for (int k = 0; k < Hostile(100).Length; k++)
        {
            double ratio = Ratio(n => { var text = Hostile(n)[k]; return () => pipeline.Tokens(text); }, 20_000);
            var head = Hostile(100)[k];
            output.WriteLine($"case {k} ({head[..Math.Min(4, head.Length)]}...): {ratio:F1}x the time for 8x the text");
            if (ratio > MaxRatio) slow.Add($"case {k}: {ratio:F1}x the time for 8x the text");
        }
        Assert.True(slow.Count == 0, string.Join("\n", slow));
    }

    static readonly Regex WordOrNonWord = new(@"\w+|[^\w\s]+");

    [Fact]
    public void The_word_scanner_classes_every_utf16_unit_as_the_regex_does()
    {
        var word = new Regex(@"^\w$");
        var space = new Regex(@"^\s$");
        for (int c = 0; c <= char.MaxValue; c++)
        {
            var s = ((char)c).ToString();
            var expected = word.IsMatch(s) ? WordTokenizer.CharKind.Word
                : space.IsMatch(s) ? WordTokenizer.CharKind.Space : WordTokenizer.CharKind.Other;
            Assert.True(expected == WordTokenizer.KindOf((char)c), $"U+{c:X4}: regex says {expected}");
        }
    }

    [Fact]
    public void The_word_scanner_finds_the_regex_tokens_on_every_sms_message_and_on_random_text()
    {
        var random = new Random(7);
        const string alphabet = "ab1_ .,!\t\n\u00a0é\u0301\u0903😀中\u200d\u2028-'£";
        var texts = Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv")).Texts
            .Concat(Enumerable.Range(0, 2_000).Select(_ => new string(Enumerable.Range(0, random.Next(0, 40))
                .Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())));
        var words = new WordTokenizer();
        var wordsOnly = new WordTokenizer { KeepPunctuation = false };
        foreach (var text in texts)
        {
            var expected = WordOrNonWord.Matches(text).Select(m => m.Value).ToArray();
            Assert.Equal(expected, words.Tokenize(text));
            Assert.Equal(Regex.Matches(text, @"\w+").Select(m => m.Value), wordsOnly.Tokenize(text));
        }
    }
}
