using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

/// <summary>A search-space mistake names the parameter.</summary>
public class SuggestErrorTests
{
    [Fact]
    public void An_invalid_range_names_the_parameter()
    {
        var study = Study.Create(sampler: new RandomSampler(seed: 1));
        var e = Assert.ThrowsAny<Exception>(() => study.Optimize(t => t.SuggestFloat("lr", 1.0, 0.1, log: true), 1));
        var argument = Assert.IsType<ArgumentException>(e is ArgumentException ? e : e.InnerException);
        Assert.Contains("Parameter 'lr'", argument.Message);
    }
}
