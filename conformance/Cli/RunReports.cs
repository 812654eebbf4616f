using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// The report files one <c>bnaxis run</c> writes: every destination checked before the first case, every report
/// written on every way out. One report that cannot be rendered or written never keeps the others from being written.
/// </summary>
internal sealed class RunReports
{
    private readonly List<(ReportDestination Destination, Func<RunReport, string> Render)> _reports;

    private RunReports(List<(ReportDestination, Func<RunReport, string>)> reports) => _reports = reports;

    /// <summary>What went wrong while writing: a destination that could not be written, a bug in a renderer.</summary>
    internal sealed record Outcome(bool DestinationFailed, Exception? InternalError)
    {
        /// <summary>The exit code of a run that ended with <paramref name="runExitCode"/> and then wrote its reports.</summary>
        /// <remarks>A bug (70) outranks everything; a report that could not be written (2) outranks the run's own verdict.</remarks>
        public int ExitCode(int runExitCode) =>
            InternalError is not null || runExitCode == ExitCodes.InternalError ? ExitCodes.InternalError
            : DestinationFailed ? ExitCodes.UsageError
            : runExitCode;
    }

    /// <summary>Checks every destination given (null when the option is absent) and that no two name the same file.</summary>
    /// <param name="json">The <c>--json</c> path.</param>
    /// <param name="junit">The <c>--junit</c> path.</param>
    /// <param name="html">The <c>--html</c> path.</param>
    /// <param name="followSymlinks">Whether a destination may be a symbolic link (then its target is written).</param>
    /// <param name="expectations">The expectations file, which a report must not replace; null when none.</param>
    /// <exception cref="CommandLineValueException">A destination cannot be written, or is named twice.</exception>
    public static RunReports Check(string? json, string? junit, string? html, bool followSymlinks, string? expectations)
    {
        var reports = new List<(ReportDestination, Func<RunReport, string>)>();
        foreach ((string option, string? path, Func<RunReport, string> render) in new (string, string?, Func<RunReport, string>)[]
        {
            ("--json", json, JsonReportWriter.Write),
            ("--junit", junit, JUnitReportWriter.Write),
            ("--html", html, HtmlReportWriter.Write),
        })
        {
            if (path is null)
            {
                continue;
            }

            ReportDestination destination = ReportDestination.Check(option, path, followSymlinks);
            ReportDestination? twin = reports.Select(r => r.Item1).FirstOrDefault(d => d.File == destination.File);
            if (twin is not null)
            {
                throw new CommandLineValueException($"{twin.Option} and {option} both write {CommandLineValues.Quoted(destination.File)}: expected a different file for each report");
            }

            if (expectations is not null && IsFile(expectations, destination.File))
            {
                throw new CommandLineValueException($"{option} {CommandLineValues.Quoted(path)} is the --expectations file: expected another file for the report");
            }

            reports.Add((destination, render));
        }

        return new RunReports(reports);
    }

    /// <summary>Writes every report; each failure is one line on <paramref name="error"/>.</summary>
    public Outcome WriteAll(RunReport report, TextWriter error)
    {
        bool destinationFailed = false;
        Exception? internalError = null;
        foreach ((ReportDestination destination, Func<RunReport, string> render) in _reports)
        {
            string text;
            try
            {
                text = render(report);
            }
#pragma warning disable CA1031 // A renderer's bug costs that report, not the others.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                internalError ??= exception;
                error.WriteLine($"bnaxis: {destination.Option} report not written: {BnaxisCommand.InternalErrorLine(exception)}");
                continue;
            }

            try
            {
                destination.Write(text);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                destinationFailed = true;
                error.WriteLine($"bnaxis: {destination.Option} report not written: {CommandLineValues.Escape(exception.Message)}");
            }
        }

        return new Outcome(destinationFailed, internalError);
    }

    /// <summary>Whether <paramref name="path"/> names <paramref name="fullPath"/>; a name no file can have (a NUL
    /// character) names none, and is refused with one line when the expectations file is read.</summary>
    private static bool IsFile(string path, string fullPath)
    {
        try
        {
            return Path.GetFullPath(path) == fullPath;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
