/// `deepcoro explain`: the best model's attention for chosen studies, as pictures: across videos per head, and
/// within each video over its tokens (on the token grid when there is one).
module DeepCoro.Cli.ExplainCommand

open System
open System.IO
open Argu
open DeepCoro.Spec
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Report
open DeepCoro.Runtime.Training
open DeepCoro.Config
open DeepCoro.Config.UserError

type ExplainArgs =
    | [<Mandatory>] Run of dir: string
    | Study of id: string
    | Studies of count: int
    | Split of string
    | Output of dir: string
    | Tokens_Grid of grid: string
    | Kernel of string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train (its best model is explained)."
            | Study _ -> "the study id to explain (the manifest's study column)."
            | Studies _ -> "explain the N studies of the split with the largest and the N with the smallest error instead."
            | Split _ -> "train, val or test: where to look for --study (default: every split) or rank --studies (default val)."
            | Output _ -> "folder for the pictures (default RUN/explain); one sub-folder per study."
            | Tokens_Grid _ ->
                "the tokens' layout T,H,W, e.g. 8,7,7 for MViT's 393 = 1 + 8 x 7 x 7 tokens (default: the config's, else curves)."
            | Kernel _ -> "fused (default) or reference: the cls kernel whose weights are drawn (both give the same)."

let private splits = [ "train"; "val"; "test" ]

/// The grid from --tokens-grid, else the config's.
let tokenGrid (flag: string option) (data: DataOptions) =
    match flag with
    | Some text -> Some(TokenGrid.Parse(text, "--tokens-grid"))
    | None -> Option.ofObj data.TokensGrid

/// Refuses a grid the videos' tokens do not fill: T x H x W must be the token count (or one less, for an encoder's
/// class token in front), else the pictures would place weights on the wrong cells.
let checkGrid (flag: string option) (grid: TokenGrid option) (geometry: Geometry) =
    let source =
        match flag with
        | Some text -> sprintf "--tokens-grid %s" text
        | None -> "the config's token grid"
    match grid with
    | Some _ when not geometry.HasTokens ->
        fail (sprintf "%s: the model reads one embedding per video, so there are no tokens to lay out; drop it" source)
    | Some g when not (g.Leading(geometry.Tokens).HasValue) ->
        fail (
            sprintf
                "%s: T x H x W = %d, but the videos have %d tokens; the product must equal the token count (or be one less, with a class token in front)"
                source
                g.Cells
                geometry.Tokens
        )
    | _ -> ()

/// Explains `wanted` (studies of `split`) and writes their pictures under `out/<study id>/`; returns the attention.
let explainStudies
    (config: TrainConfig.TrainConfig)
    (model: MilModel)
    device
    (data: Dataset)
    (split: string)
    (wanted: Study list)
    grid
    (out: string)
    =
    let attention = Explainer.Explain(model, data, data.Studies.Split split, ResizeArray wanted, device)
    for a in attention do
        let figures = ExplainPlots.Figures(a, config.Spec, Option.toObj grid, config.Data.LabelsMap)
        let dir = Path.Combine(out, RunReport.Safe a.Study.Id)
        let paths = Figure.Save(dir, figures)
        printfn "%s (%s, %d videos): %s" a.Study.Id split a.Videos (ExplainPlots.Outcome(a, config.Spec, config.Data.LabelsMap))
        printfn "  %d pictures in %s" paths.Count dir
    attention

/// The study named `id` and its split, or an error listing the closest ids.
let private find (data: Dataset) (among: string list) (id: string) =
    let hit = among |> List.tryPick (fun s -> data.Studies.Split s |> Seq.tryFind (fun st -> st.Id = id) |> Option.map (fun st -> s, st))
    match hit with
    | Some found -> found
    | None ->
        let ids = among |> Seq.collect (fun s -> data.Studies.Split s |> Seq.map (fun st -> st.Id))
        let where =
            match among with
            | [ s ] -> sprintf "split %s of" s
            | _ -> "any split of"
        fail (
            sprintf
                "--study %s: no such study in %s %s; the closest ids: %s"
                id
                where
                data.Options.Manifest
                (String.Join(", ", Suggestions.Nearest(id, ids, 5)))
        )

let run (args: ParseResults<ExplainArgs>) =
    let runDir = args.GetResult Run
    let split = args.TryGetResult Split
    match split with
    | Some s when not (List.contains s splits) -> fail (sprintf "--split %s: expected train, val or test" s)
    | _ -> ()
    match args.TryGetResult Study, args.TryGetResult Studies with
    | Some _, Some _
    | None, None -> args.Raise("explain: give one of --study ID or --studies N", ErrorCode.CommandLine)
    | _, Some n when n < 1 -> fail "--studies: must be at least 1"
    | _ -> ()
    let config, probe, device = RunAccess.openRun runDir None
    use _ = probe.Module
    let model = RunAccess.tokenProbe config probe
    model.Kernel <-
        match args.GetResult(Kernel, "fused") with
        | "fused" -> ClsKernel.Fused
        | "reference" -> ClsKernel.Reference
        | other -> fail (sprintf "--kernel %s: expected fused or reference" other)
    let grid = tokenGrid (args.TryGetResult Tokens_Grid) config.Data
    let out = args.GetResult(Output, Path.Combine(runDir, "explain"))
    let data = Dataset.Open(config.Spec, config.Data)
    checkGrid (args.TryGetResult Tokens_Grid) grid data.Geometry
    match args.TryGetResult Study with
    | Some id ->
        let split, study = find data (split |> Option.map List.singleton |> Option.defaultValue splits) id
        explainStudies config model device data split [ study ] grid out |> ignore
    | None ->
        let split = split |> Option.defaultValue "val"
        let studies = data.Studies.Split split
        if studies.Count = 0 then
            fail (sprintf "--split %s: no study of %s is in that split" split data.Options.Manifest)
        let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, studies)
        let ranked = Explainer.ByError(Explainer.Scores results, config.Spec.Heads)
        let n = args.GetResult Studies
        let chosen =
            Seq.append (Seq.truncate n ranked) (ranked |> Seq.skip (max n (ranked.Count - n)))
            |> Seq.map (fun (struct (id, _)) -> id)
            |> Set.ofSeq
        printfn "the %d studies of %s with the largest and the %d with the smallest error (of %d labelled)" n split n ranked.Count
        explainStudies config model device data split (studies |> Seq.filter (fun s -> chosen.Contains s.Id) |> List.ofSeq) grid out
        |> ignore
