using Microsoft.ML.OnnxRuntime;

namespace BatchNormAxis.Harnesses.OnnxRuntime;

/// <summary>
/// The session options of the harness and of the peer benchmark (scripts/compat/PeerBench): CPU execution provider,
/// sequential execution, one inter-op thread, errors only in the log.
/// </summary>
internal static class SequentialCpuSession
{
    /// <summary>
    /// The options with <paramref name="intraOpThreads"/> intra-op threads, or null and a one-line
    /// <paramref name="problem"/> when ONNX Runtime's native library does not load (creating the first options loads it).
    /// </summary>
    public static SessionOptions? TryCreateOptions(int intraOpThreads, out string problem)
    {
        problem = string.Empty;
        try
        {
            return new SessionOptions
            {
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
        }
        catch (Exception error) when (error is TypeInitializationException or DllNotFoundException or OnnxRuntimeException)
        {
            problem = $"cannot load ONNX Runtime's native library ({(error.InnerException ?? error).Message.Split('\n')[0].Trim()})";
            return null;
        }
    }
}
