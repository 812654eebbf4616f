using System.Globalization;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Console numbers are the same in every locale (issue 15: a German locale printed <c>0,2 s</c>): bnaxis writes in
/// the invariant culture, and gives the caller's culture back when it returns.
/// </summary>
public class InvariantCultureTests
{
    [Fact]
    public void Run_UnderAGermanLocale_PrintsDecimalPoints()
    {
        CliResult result = InCulture("de-DE", () => CliRun.Invoke("run", "--filter", "keep.r2.*", "--fixtures", FakeHarnesses.Fixtures()));

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"\[12/12\] done in \d+\.\d s", result.Error);
        Assert.Matches(@": 12 cases in \d+\.\d s; ", result.Output);
        Assert.DoesNotMatch(@"\d,\d s\b", result.Output + result.Error);
    }

    [Fact]
    public void FixturesVerify_UnderAGermanLocale_PrintsDecimalPoints()
    {
        CliResult result = InCulture("de-DE", () => CliRun.Invoke("fixtures", "verify", "--fixtures", FakeHarnesses.Fixtures()));

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@" cases verified in .+ \(\d+\.\d s\)", result.Output);
    }

    [Fact]
    public void Run_GivesTheCallersCultureBack()
    {
        CultureInfo after = InCulture("de-DE", () =>
        {
            CliRun.Invoke("explain", "--shape", "2,3");
            return CultureInfo.CurrentCulture;
        });

        Assert.Equal("de-DE", after.Name);
    }

    private static T InCulture<T>(string name, Func<T> action)
    {
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo uiCulture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
        try
        {
            // The test itself must see the locale, or it would prove nothing.
            Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture));
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }
}
