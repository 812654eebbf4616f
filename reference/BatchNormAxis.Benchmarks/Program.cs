using BenchmarkDotNet.Running;

// dotnet run -c Release --project reference/BatchNormAxis.Benchmarks -- --filter '*'
// A quick check that every benchmark runs: add --job dry --inProcess.
BenchmarkSwitcher.FromAssembly(typeof(BatchNormAxis.Benchmarks.BatchNormBenchmarks).Assembly).Run(args);
