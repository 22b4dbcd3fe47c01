/// `--subgroups COL[,COL...]` of `eval` and `report`: the flag parsed, the manifest's columns read per study, and a
/// split's subgroup table at the run's stated thresholds (docs/comparison.md#subgroups).
module DeepCoro.Cli.SubgroupTables

open System
open System.Collections.Generic
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Report
open DeepCoro.Cli.CliError

/// The subgroup columns of the flag; a malformed one is a bad command line.
let parse (text: string) =
    try
        SubgroupColumn.Parse(text, "--subgroups")
    with :? ArgumentException as e ->
        raise (UsageFailure e.Message)

/// The columns' cells per study from the manifest of `data` (a run's, or a cohort's): read before any evaluation, so
/// that a column the manifest lacks fails at once.
let readFrom (data: DataOptions) (columns: IReadOnlyList<SubgroupColumn>) =
    StudyColumns.Read(data, columns |> Seq.map (fun c -> c.Name) |> ResizeArray, "--subgroups")

/// The columns' cells per study from the run's manifest (`readFrom`).
let read (config: DeepCoro.Config.TrainConfig.TrainConfig) (columns: IReadOnlyList<SubgroupColumn>) = readFrom config.Data columns

/// The subgroup table of one split of a run from its studies' scores and their cells (`read`).
let compute
    (run: string)
    (config: DeepCoro.Config.TrainConfig.TrainConfig)
    (split: string)
    (studies: IReadOnlyList<StudyScores>)
    (columns: IReadOnlyList<SubgroupColumn>)
    (values: IReadOnlyDictionary<string, string array>)
    =
    let locked = RunAccess.lockedThresholds config run |> Option.toObj
    let thresholds = Dictionary<string, ThresholdUsed>()
    for head in config.Spec.Heads do
        if head.Task = TaskKind.Binary then
            thresholds.[head.Name] <- ThresholdUsed.Of(locked, head.Name)
    SubgroupTable.Compute(split, config.Spec.Heads, studies, columns, values, thresholds, config.Train.Intervals, config.Train.Seed)
