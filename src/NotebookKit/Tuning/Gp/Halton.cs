namespace NotebookKit.Tuning;

/// <summary>
/// Scrambled Halton points in [0, 1)^d: the radical inverse of the index in the d-th prime base, with a random
/// digit permutation per dimension (keeping 0 fixed), which breaks the correlation of high bases.
/// </summary>
public sealed class Halton
{
    static readonly int[] Primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
        101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229];
    readonly int[][] permutations;
    long index;

    public int Dimensions { get; }
    /// <summary>The most dimensions supported (one prime base each); beyond this the GP sampler draws uniform points.</summary>
    public static int MaxDimensions => Primes.Length;

    public Halton(int dimensions, Random random)
    {
        if (dimensions < 1 || dimensions > Primes.Length) throw new ArgumentOutOfRangeException(nameof(dimensions), $"Halton supports 1 to {Primes.Length} dimensions.");
        Dimensions = dimensions;
        permutations = new int[dimensions][];
        for (int j = 0; j < dimensions; j++)
        {
            var p = Enumerable.Range(1, Primes[j] - 1).ToArray();
            random.Shuffle(p);
            permutations[j] = [0, .. p];
        }
        index = random.Next(1, 1 << 12); // random start: successive calls give fresh points
    }

    public double[] Next()
    {
        long i = index++;
        var point = new double[Dimensions];
        for (int j = 0; j < Dimensions; j++)
        {
            int b = Primes[j];
            double f = 1, r = 0;
            for (long k = i; k > 0; k /= b) { f /= b; r += f * permutations[j][k % b]; }
            point[j] = r;
        }
        return point;
    }
}
