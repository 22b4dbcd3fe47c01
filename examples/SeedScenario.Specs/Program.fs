/// Writes the IR of every spec into the folder given as the only argument (the generator's build glue passes it).
module SeedScenario.Specs.Program

open System.IO
open DeepCoro.Dsl.Dsl

[<EntryPoint>]
let main argv =
    match argv with
    | [| folder |] ->
        Directory.CreateDirectory folder |> ignore
        for spec in Specs.all do
            File.WriteAllText(Path.Combine(folder, spec.Name + ".deepcoro.json"), toJson spec)
        0
    | _ ->
        eprintfn "usage: SeedScenario.Specs <output folder>"
        2
