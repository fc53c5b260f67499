namespace NotebookKit.Metrics;

/// <summary>
/// Sorting scores for curves and AUC. Scores become 64-bit keys whose ascending order is the scores' descending
/// order; an LSD radix sort (11-bit digits, passes that would not move anything skipped) orders 10 million keys in
/// a fraction of Array.Sort's time, and it is stable, so ties keep their input order.
/// </summary>
internal static class RadixSort
{
    const int Bits = 11;
    const int Buckets = 1 << Bits;
    const int Passes = (64 + Bits - 1) / Bits;

    /// <summary>Key with ascending order = descending score; -0.0 and 0.0 map to the same key.</summary>
    public static ulong DescendingKey(double score)
    {
        if (score == 0) score = 0; // folds -0.0 into 0.0: they are one threshold
        ulong bits = (ulong)BitConverter.DoubleToInt64Bits(score);
        ulong ascending = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
        return ~ascending;
    }

    public static double ScoreOf(ulong key)
    {
        ulong ascending = ~key;
        ulong bits = (ascending & 0x8000_0000_0000_0000UL) != 0 ? ascending & 0x7FFF_FFFF_FFFF_FFFFUL : ~ascending;
        return BitConverter.Int64BitsToDouble((long)bits);
    }

    /// <summary>Sorts keys[0..n) ascending, carrying payload (if any) along; returns the arrays holding the result.</summary>
    public static (ulong[] Keys, double[]? Payload) Sort(ulong[] keys, double[]? payload, int n)
    {
        if (n < 4096)
        {
            if (payload is null) Array.Sort(keys, 0, n);
            else SmallStableSort(keys, payload, n);
            return (keys, payload);
        }
        var histograms = new int[Passes * Buckets];
        for (int i = 0; i < n; i++)
        {
            ulong k = keys[i];
            for (int p = 0; p < Passes; p++) histograms[p * Buckets + (int)((k >> (p * Bits)) & (Buckets - 1))]++;
        }
        var bufferKeys = GC.AllocateUninitializedArray<ulong>(n);
        var bufferPayload = payload is null ? null : GC.AllocateUninitializedArray<double>(n);
        var offsets = new int[Buckets];
        for (int p = 0; p < Passes; p++)
        {
            var h = histograms.AsSpan(p * Buckets, Buckets);
            if (h.IndexOf(n) >= 0) continue; // every key has the same digit here: nothing moves
            int sum = 0;
            for (int b = 0; b < Buckets; b++) { offsets[b] = sum; sum += h[b]; }
            int shift = p * Bits;
            if (payload is null)
            {
                for (int i = 0; i < n; i++)
                {
                    ulong k = keys[i];
                    bufferKeys[offsets[(int)((k >> shift) & (Buckets - 1))]++] = k;
                }
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    ulong k = keys[i];
                    int at = offsets[(int)((k >> shift) & (Buckets - 1))]++;
                    bufferKeys[at] = k;
                    bufferPayload![at] = payload[i];
                }
                (payload, bufferPayload) = (bufferPayload!, payload);
            }
            (keys, bufferKeys) = (bufferKeys, keys);
        }
        return (keys, payload);
    }

    static void SmallStableSort(ulong[] keys, double[] payload, int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var k = keys.AsSpan(0, n).ToArray();
        Array.Sort(order, (a, b) => k[a] != k[b] ? k[a].CompareTo(k[b]) : a.CompareTo(b));
        var p = payload.AsSpan(0, n).ToArray();
        for (int i = 0; i < n; i++) { keys[i] = k[order[i]]; payload[i] = p[order[i]]; }
    }
}
