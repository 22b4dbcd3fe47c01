// The project's task runner: `dotnet fsi build.fsx <target>`. Plain F# (FAKE's target runner is not served
// by every NuGet mirror); each target is a list of dotnet commands run in order, stopping at the first failure.
//   build   restore and build everything (Release)
//   test    build the whole solution (the generated example included), then run every test;
//           prints `N passed, M failed` last
//   demo    the main job: synthesise a dataset, train the seed model, print metrics
//   bench   the seed-scenario benchmark, fused and reference kernels (JSON lines)
//   infer   the seed scenario's golden case through `deepcoro infer`
open System
open System.Diagnostics

let root = __SOURCE_DIRECTORY__

let run (args: string) =
    printfn "> dotnet %s" args
    let info = ProcessStartInfo("dotnet", args, WorkingDirectory = root, UseShellExecute = false)
    use p = Process.Start info
    p.WaitForExit()
    p.ExitCode

let cli args = sprintf "run --project cli/DeepCoro.Cli -c Release -- %s" args

let targets =
    [ "build", [ "build DeepCoroDsl.sln -c Release" ]
      "test", [ "build DeepCoroDsl.sln -c Release"; "run --project tests/DeepCoro.Tests -c Release --no-build -- --no-spinner --colours 0" ]
      "demo", [ cli "demo" ]
      "bench", [ cli "bench" ]
      "infer",
      [ cli "infer --config ../shared/golden/cases.json#seed_scenario_cls4d --weights ../shared/golden/seed_scenario_cls4d.weights.safetensors --inputs ../shared/golden/seed_scenario_cls4d.io.safetensors --output runs/seed_scenario.out.safetensors" ] ]

let target = fsi.CommandLineArgs |> Array.tryItem 1 |> Option.defaultValue "test"

match List.tryFind (fst >> (=) target) targets with
| Some(_, commands) ->
    let code = commands |> List.fold (fun code c -> if code <> 0 then code else run c) 0
    exit code
| None ->
    eprintfn "unknown target '%s'; targets: %s" target (targets |> List.map fst |> String.concat ", ")
    exit 2
