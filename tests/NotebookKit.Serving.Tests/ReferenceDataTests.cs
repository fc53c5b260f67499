namespace NotebookKit.Serving.Tests;

public sealed class ReferenceDataTests : IDisposable
{
    readonly string path = Path.Combine(Path.GetTempPath(), $"nbkit-ref-{Guid.NewGuid():N}.csv");
    public void Dispose() => File.Delete(path);

    static readonly string[] Features = ["a", "b"];
    static IEnumerable<string> Rows(int n) => Enumerable.Range(0, n).Select(i => $"{i},{i * 0.5},x{i}");

    [Fact]
    public void Columns_are_picked_by_name_and_extra_ones_ignored()
    {
        File.WriteAllLines(path, Rows(12).Prepend("b,a,id").ToArray());
        var rows = ReferenceData.LoadCsv(path, Features);
        Assert.Equal(12, rows.Count);
        Assert.Equal(new[] { 1.5f, 3f }, rows[3]); // a is the second column, b the first
    }

    [Fact]
    public void Saved_rows_load_back_exactly()
    {
        var rows = Enumerable.Range(0, 10).Select(i => new[] { i / 3f, -1e-7f * i }).ToArray();
        ReferenceData.SaveCsv(path, Features, rows);
        Assert.Equal(rows, ReferenceData.LoadCsv(path, Features));
    }

    [Theory]
    [InlineData("a,c,id", "lacks the feature column 'b'")]
    [InlineData("a,b,b", "repeats the feature column 'b'")]
    public void A_bad_header_is_named(string header, string message)
    {
        File.WriteAllLines(path, Rows(12).Prepend(header).ToArray());
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => ReferenceData.LoadCsv(path, Features)).Message);
    }

    [Theory]
    [InlineData("3,abc,x", "line 5, column 'a': 'abc' is not a finite number")]
    [InlineData("3,NaN,x", "line 5, column 'a': 'NaN' is not a finite number")]
    [InlineData("3,1e39,x", "line 5, column 'a': '1e39' is not a finite number")]
    [InlineData("3,1", "line 5: 2 values, but the header has 3 columns")]
    public void A_bad_row_is_named_by_line_and_column(string bad, string message)
    {
        var lines = Rows(12).Prepend("b,a,id").ToList();
        lines[4] = bad;
        File.WriteAllLines(path, lines);
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => ReferenceData.LoadCsv(path, Features)).Message);
    }

    [Fact]
    public void Too_few_rows_for_the_drift_bins_are_refused()
    {
        File.WriteAllLines(path, Rows(9).Prepend("a,b,id").ToArray());
        Assert.Contains("needs at least 10", Assert.Throws<InvalidDataException>(() => ReferenceData.LoadCsv(path, Features)).Message);
    }
}
