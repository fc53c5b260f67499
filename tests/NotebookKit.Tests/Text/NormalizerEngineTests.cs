using System.Text.RegularExpressions;
using NotebookKit.Data;
using NotebookKit.Text;

namespace NotebookKit.Tests.Text;

/// <summary>
/// The normaliser runs its e-mail and URL patterns on .NET's non-backtracking engine (the backtracking one is
/// quadratic on hostile text). These tests hold it to the backtracking engine's matches, which the notebook's
/// numbers were computed with.
/// </summary>
public class NormalizerEngineTests
{
    static IEnumerable<string> Texts() =>
        Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv")).Texts.Concat([
            "mail Bob.Smith+x@example.org, or ..bob@x.co.uk!", "a@b", "x@y.z.", "see www.getzed.co.uk/free?x=1).",
            "http://a.b/c.d, ftp://x.", "sub.domain-1.example.com/path and foo.uk.", "WWW.BIG.COM", "1.2.3.com", "no url here.",
        ]);

    [Theory]
    [InlineData(TextNormalizer.EmailText, TextNormalizer.EmailOptions)]
    [InlineData(TextNormalizer.UrlText, TextNormalizer.UrlOptions)]
    public void The_non_backtracking_engine_finds_the_backtracking_matches_on_every_sms_message(string pattern, RegexOptions options)
    {
        var backtracking = new Regex(pattern, options);
        var linear = new Regex(pattern, options | RegexOptions.NonBacktracking);
        int matches = 0;
        foreach (var text in Texts())
        {
            var expected = backtracking.Matches(text).Select(m => (m.Index, m.Length)).ToArray();
            Assert.Equal(expected, linear.Matches(text).Select(m => (m.Index, m.Length)).ToArray());
            matches += expected.Length;
        }
        Assert.True(matches > 20, $"only {matches} matches: the comparison would prove little");
    }
}
