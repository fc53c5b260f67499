using NotebookKit.Data;

namespace NotebookKit.Tests.Data;

public class SyntheticTests
{
    [Fact]
    public void Make_classification_has_the_asked_shape_and_class_weights()
    {
        var d = Synthetic.MakeClassification(samples: 1000, features: 12, informative: 3, redundant: 2, classes: 3, weights: [0.5, 0.3, 0.2], seed: 4);
        Assert.Equal(new long[] { 1000, 12 }, d.Features.shape);
        Assert.Equal([500, 300, 200], d.ClassCounts().Values);
    }

    [Fact]
    public void The_same_seed_gives_the_same_data_and_another_seed_does_not()
    {
        var a = Synthetic.MakeClassification(seed: 1);
        var b = Synthetic.MakeClassification(seed: 1);
        var c = Synthetic.MakeClassification(seed: 2);
        Assert.True(a.Features.equal(b.Features).all().item<bool>());
        Assert.False(a.Features.equal(c.Features).all().item<bool>());
    }

    [Fact]
    public void Informative_features_separate_the_classes_and_noise_does_not()
    {
        var d = Synthetic.MakeClassification(samples: 4000, features: 6, informative: 2, redundant: 0, classSeparation: 2.0, seed: 3);
        var rows = d.FeatureRows();
        var labels = d.LabelArray();
        double Gap(int j) => Math.Abs(rows.Where((_, i) => labels[i] == 0).Average(r => r[j]) - rows.Where((_, i) => labels[i] == 1).Average(r => r[j]));
        for (int j = 0; j < 6; j++)
        {
            if (d.FeatureNames[j].StartsWith("noise")) Assert.True(Gap(j) < 0.15, $"{d.FeatureNames[j]} gap {Gap(j)}");
        }
        Assert.Contains(Enumerable.Range(0, 6), j => d.FeatureNames[j].StartsWith("informative") && Gap(j) > 3);
    }

    [Fact]
    public void Impossible_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Synthetic.MakeClassification(features: 3, informative: 2, redundant: 2));
        Assert.Throws<ArgumentException>(() => Synthetic.MakeClassification(classes: 2, weights: [0.9, 0.2]));
        Assert.Throws<ArgumentException>(() => Synthetic.MakeClassification(informative: 1, classes: 3));
    }
}
