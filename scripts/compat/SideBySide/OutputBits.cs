namespace BatchNormAxis.SideBySide;

/// <summary>Whether two builds wrote the same bits: every output of one call of each, compared value by value.</summary>
internal static class OutputBits
{
    /// <summary>
    /// The outputs are set to a sentinel NaN before each build's call, so an output a mode does not write (the channel
    /// outputs in inference) compares equal, and one that only one build writes does not.
    /// </summary>
    public static string Compare(SharedInputs inputs, Action a, Action b)
    {
        float[][] fromA = CallOnSentinels(inputs, a);
        float[][] fromB = CallOnSentinels(inputs, b);
        long differing = 0, total = 0;
        int largestUlps = 0;
        for (int output = 0; output < fromA.Length; output++)
        {
            for (int i = 0; i < fromA[output].Length; i++)
            {
                int bitsA = BitConverter.SingleToInt32Bits(fromA[output][i]);
                int bitsB = BitConverter.SingleToInt32Bits(fromB[output][i]);
                total++;
                if (bitsA != bitsB)
                {
                    differing++;
                    largestUlps = Math.Max(largestUlps, UlpDistance(fromA[output][i], fromB[output][i]));
                }
            }
        }

        return differing == 0
            ? "outputs bit-identical"
            : $"outputs DIFFER in {differing} of {total} values (at most {(largestUlps == int.MaxValue ? "a NaN or sign" : largestUlps + " ulp")} apart)";
    }

    private static float[][] CallOnSentinels(SharedInputs inputs, Action call)
    {
        float sentinel = BitConverter.Int32BitsToSingle(0x7FC0DEAD);
        inputs.Output.AsSpan().Fill(sentinel);
        inputs.FirstChannelOutput.AsSpan().Fill(sentinel);
        inputs.SecondChannelOutput.AsSpan().Fill(sentinel);
        call();
        return inputs.SnapshotOutputs();
    }

    /// <summary>Representable floats between two finite values of one sign; int.MaxValue otherwise.</summary>
    private static int UlpDistance(float a, float b)
    {
        if (!float.IsFinite(a) || !float.IsFinite(b) || (float.IsNegative(a) != float.IsNegative(b)))
        {
            return int.MaxValue;
        }

        return Math.Abs(BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));
    }
}
