/// Writes the IR of every model into the folder given as the only argument (the generator's build glue passes it);
/// a model with errors fails the build at its line.
module DeepCoroApp.Specs.Program

open type DeepCoro.Dsl.Dsl

[<EntryPoint>]
let main argv =
    match argv with
    | [| folder |] -> writeSpecs folder Specs.all
    | _ ->
        eprintfn "usage: DeepCoroApp.Specs <output folder>"
        2
