using System.Text;

namespace NotebookKit.Text;

/// <summary>
/// scikit-learn's <c>HashingVectorizer</c> on tokenised documents: no vocabulary to fit or store, so new words need
/// no refit, at the price of collisions and no way back from a column to its word. Column = |h| mod
/// <see cref="Features"/> where h is the signed 32-bit MurmurHash3 (seed 0) of the token's UTF-8 bytes; with
/// <see cref="AlternateSign"/> a token with h &lt; 0 counts -1, so collisions cancel on average. Follow it with
/// <see cref="TfidfTransformer"/> (and <c>AlternateSign = false, Norm = None</c>) for tf-idf on hashed features.
/// </summary>
public sealed class HashingVectorizer
{
    public int Features { get; init; } = 1 << 20;
    public bool AlternateSign { get; init; } = true;
    public RowNorm Norm { get; init; } = RowNorm.L2;

    public SparseRows Transform(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        if (Features < 1) throw new ArgumentOutOfRangeException(nameof(Features), $"Features must be positive, got {Features}.");
        return SparseRows.FromTokens(documents, Features, token =>
        {
            int h = MurmurHash3(Encoding.UTF8.GetBytes(token));
            // |int.MinValue| overflows; scikit-learn defines it as 2^31 mod n.
            int column = h == int.MinValue ? (int)(2147483648L % Features) : Math.Abs(h) % Features;
            return (column, AlternateSign && h < 0 ? -1.0 : 1.0);
        }, Norm);
    }

    /// <summary>MurmurHash3 x86 32-bit (Austin Appleby's reference), returned as a signed integer.</summary>
    public static int MurmurHash3(ReadOnlySpan<byte> data, uint seed = 0)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        uint h = seed;
        int blocks = data.Length / 4;
        for (int i = 0; i < blocks; i++)
        {
            uint k = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= c1; k = (k << 15) | (k >> 17); k *= c2;
            h ^= k; h = (h << 13) | (h >> 19); h = h * 5 + 0xe6546b64;
        }
        uint tail = 0;
        int rest = data.Length & 3, at = blocks * 4;
        if (rest == 3) tail ^= (uint)data[at + 2] << 16;
        if (rest >= 2) tail ^= (uint)data[at + 1] << 8;
        if (rest >= 1)
        {
            tail ^= data[at];
            tail *= c1; tail = (tail << 15) | (tail >> 17); tail *= c2; h ^= tail;
        }
        h ^= (uint)data.Length;
        h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16;
        return unchecked((int)h);
    }
}
