using System.Security.Cryptography;

namespace Settlement.Ledger.Audit;

/// <summary>
/// RFC 9162's Merkle tree over a checkpoint's event digests: its root is what the checkpoint signs, and an
/// audit path of log2(n) hashes proves that one event is under it without handing over the others.
/// </summary>
public static class MerkleTree
{
    public static byte[] Root(IReadOnlyList<byte[]> digests) =>
        digests.Count == 0 ? SHA256.HashData([]) : RootOf(digests.Select(Leaf).ToArray());

    /// <summary>The sibling hashes from the leaf at <paramref name="index"/> up to the root, lowest first.</summary>
    public static IReadOnlyList<byte[]> AuditPath(IReadOnlyList<byte[]> digests, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, digests.Count);
        var path = new List<byte[]>();
        CollectPath(digests.Select(Leaf).ToArray(), index, path);
        return path;
    }

    /// <summary>Whether <paramref name="digest"/> at <paramref name="index"/> of a tree of <paramref name="size"/> leaves has this root (RFC 9162, 2.1.3.2).</summary>
    public static bool Includes(byte[] root, byte[] digest, long index, long size, IReadOnlyList<byte[]> path)
    {
        if (index < 0 || index >= size) return false;
        long fn = index, sn = size - 1;
        var r = Leaf(digest);
        foreach (var p in path)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                r = Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    private static byte[] RootOf(ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length == 1) return leaves[0];
        var split = LargestPowerOfTwoBelow(leaves.Length);
        return Node(RootOf(leaves[..split]), RootOf(leaves[split..]));
    }

    private static void CollectPath(ReadOnlySpan<byte[]> leaves, int index, List<byte[]> path)
    {
        if (leaves.Length == 1) return;
        var split = LargestPowerOfTwoBelow(leaves.Length);
        if (index < split)
        {
            CollectPath(leaves[..split], index, path);
            path.Add(RootOf(leaves[split..]));
        }
        else
        {
            CollectPath(leaves[split..], index - split, path);
            path.Add(RootOf(leaves[..split]));
        }
    }

    private static int LargestPowerOfTwoBelow(int n) => 1 << (31 - int.LeadingZeroCount(n - 1));

    private static byte[] Leaf(byte[] digest)
    {
        Span<byte> input = stackalloc byte[1 + ChainHash.Length];
        input[0] = 0x00;
        digest.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * ChainHash.Length];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + ChainHash.Length)..]);
        return SHA256.HashData(input);
    }
}
