/// Writes the IR of every spec into the folder given as the only argument (the generator's build glue passes it);
/// a spec with errors fails the build at its F# line.
module SeedScenario.Specs.Program

open type DeepCoro.Dsl.Dsl

[<EntryPoint>]
let main argv =
    match argv with
    | [| folder |] -> writeSpecs folder Specs.all
    | _ ->
        eprintfn "usage: SeedScenario.Specs <output folder>"
        2
