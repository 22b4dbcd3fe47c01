module DeepCoro.Cli.Program

[<EntryPoint>]
let main argv = 0
