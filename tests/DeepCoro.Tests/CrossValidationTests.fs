/// Cross-validation: the folds' properties (whole groups, balanced labels, seeded, test split left out), folds.csv
/// reused on resume, one tiny `deepcoro cv` end to end, the split override and group-leak warning of ordinary runs,
/// and each bad input refused in one line with nothing written.
module DeepCoro.Tests.CrossValidationTests

open System
open System.IO
open System.Text.Json
open Expecto
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.CrossValidation
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.CliTests

let private binaryHead = HeadSpec("y", TaskKind.Binary, 1, LossKind.Bce)

let private study (id: string) (group: string) (label: float) =
    Study(Id = id, Split = "train", Videos = Collections.Generic.List(), Labels = [| label |], Group = group)

/// `count` studies in groups of 1 to 4, about `positive` of them labelled 1, from a seeded generator.
let private cohort (count: int) (positive: float) (seed: int) =
    let rng = Random seed
    let mutable group = 0
    let mutable left = 0
    [|
        for i in 0 .. count - 1 do
            if left = 0 then
                group <- group + 1
                left <- rng.Next(1, 5)
            left <- left - 1
            yield study (sprintf "s%03d" i) (sprintf "p%03d" group) (if rng.NextDouble() < positive then 1.0 else 0.0)
    |]

/// A tiny synthetic dataset (two heads: cathEF regression, abnormal binary) with a PatientID column of
/// `perPatient` studies each; `relabel` may change each study's abnormal cell.
let private tinyData (studies: int) (perPatient: int) (relabel: int -> string -> string) =
    let dir = tempDir ()
    SyntheticData.Write(dir, SyntheticOptions(Studies = studies, Seed = 5, Dim = 16, Tokens = 2, MaxVideos = 1, MissingFraction = 0.0))
    let manifest = Path.Combine(dir, SyntheticData.Manifest)
    let lines = File.ReadAllLines manifest
    let sep = SyntheticData.Separator
    let rows = [|
        yield lines[0] + sep + "PatientID"
        for line in lines[1..] do
            let f = line.Split sep
            let n = int (f[0].Substring 5)
            f[4] <- relabel n f[4]
            yield String.Join(sep, f) + sep + sprintf "p%d" (n / perPatient)
    |]
    File.WriteAllLines(manifest, rows)
    let config = Path.Combine(dir, "config.yaml")
    File.WriteAllText(config, DeepCoro.Cli.TrainCommands.synthConfig 16 2 1)
    dir, config

/// The split column of a synthetic manifest by study id.
let private splits (dir: string) =
    File.ReadAllLines(Path.Combine(dir, SyntheticData.Manifest))[1..]
    |> Array.map (fun l -> l.Split SyntheticData.Separator)
    |> Array.map (fun f -> f[0], f[1])
    |> dict

let private csvRows (path: string) = File.ReadAllLines path |> Array.filter (fun l -> l.Length > 0) |> Array.map (fun l -> l.Split ',')

let private refusedCv (expected: int) (args: string list) (fragments: string list) (output: string) =
    let code, _, err = deepcoro args
    Expect.equal code expected (sprintf "exit code of %A (stderr: %s)" args err)
    let errors = err.Split('\n') |> Array.filter (fun l -> l.StartsWith "error:")
    Expect.equal errors.Length 1 (sprintf "one error line: %s" err)
    for f in fragments do
        Expect.stringContains (errors[0]) f "the error names the problem"
    Expect.isFalse (File.Exists(Path.Combine(output, "folds.csv"))) "no folds.csv written"

[<Tests>]
let tests =
    testList "cross-validation" [
        test "every group lies in exactly one fold of each repeat, and every study once" {
            let studies = cohort 120 0.3 1
            let rows = CrossValidationFolds.Make(studies, [| binaryHead |], Nullable(), 5, 3, 11)
            Expect.equal rows.Count (120 * 3) "each study once per repeat"
            for r in 0..2 do
                let ofRepeat = rows |> Seq.filter (fun x -> x.Repeat = r) |> Seq.toList
                Expect.equal (ofRepeat |> List.map (fun x -> x.StudyId) |> List.distinct |> List.length) 120 "no study twice"
                for _, members in ofRepeat |> List.groupBy (fun x -> x.Group) do
                    Expect.equal (members |> List.map (fun x -> x.Fold) |> List.distinct |> List.length) 1 "a group in one fold"
                let sizes = ofRepeat |> List.countBy (fun x -> x.Fold) |> List.map snd
                Expect.equal sizes.Length 5 "every fold holds studies"
                Expect.isLessThanOrEqual (List.max sizes - List.min sizes) 4 "fold sizes within one group's size"
        }
        test "stratified folds keep each fold's positive share close to the whole's" {
            let studies = cohort 300 0.25 2
            let whole = (studies |> Array.filter (fun s -> s.Labels[0] = 1.0)).Length |> float |> fun p -> p / 300.0
            let rows = CrossValidationFolds.Make(studies, [| binaryHead |], Nullable 0, 5, 2, 3)
            let label = studies |> Array.map (fun s -> s.Id, s.Labels[0]) |> dict
            for (r, f), members in rows |> Seq.toList |> List.groupBy (fun x -> x.Repeat, x.Fold) do
                let share = (members |> List.filter (fun x -> label[x.StudyId] = 1.0)).Length |> float |> fun p -> p / float members.Length
                Expect.isLessThan
                    (abs (share - whole))
                    0.05
                    (sprintf "repeat %d fold %d: positive share %.3f vs %.3f overall" r f share whole)
            // without stratification the greedy assignment balances sizes only: the stratified spread is smaller
            let spread (rows: FoldRow seq) =
                rows
                |> Seq.filter (fun x -> x.Repeat = 0)
                |> Seq.groupBy (fun x -> x.Fold)
                |> Seq.map (fun (_, m) -> (m |> Seq.filter (fun x -> label[x.StudyId] = 1.0) |> Seq.length |> float) / float (Seq.length m))
                |> fun s -> Seq.max s - Seq.min s
            let plain = CrossValidationFolds.Make(studies, [| binaryHead |], Nullable(), 5, 1, 3)
            Expect.isLessThan (spread rows) (spread plain) "stratification narrows the spread of the folds' positive shares"
        }
        test "the folds are a function of the seed; each repeat is another shuffle" {
            let studies = cohort 80 0.4 3
            let make seed = CrossValidationFolds.Make(studies, [| binaryHead |], Nullable 0, 4, 2, seed) |> Seq.toList
            Expect.sequenceEqual (make 7) (make 7) "the same seed, the same folds"
            Expect.notEqual (make 7) (make 8) "another seed, other folds"
            let repeat r = make 7 |> List.filter (fun x -> x.Repeat = r) |> List.map (fun x -> x.StudyId, x.Fold)
            Expect.notEqual (repeat 0) (repeat 1) "the repeats differ"
        }
        test "bad fold requests are refused: K < 2, K above the groups, a regression head, a fold with one class" {
            let studies = cohort 20 0.5 4
            let groups = studies |> Array.map (fun s -> s.Group) |> Array.distinct |> Array.length
            Expect.throwsC (fun () -> CrossValidationFolds.Make(studies, [| binaryHead |], Nullable(), 1, 1, 0) |> ignore) (fun e ->
                Expect.stringContains e.Message "folds 1" "names K")
            Expect.throwsC
                (fun () -> CrossValidationFolds.Make(studies, [| binaryHead |], Nullable(), groups + 1, 1, 0) |> ignore)
                (fun e -> Expect.stringContains e.Message (sprintf "more folds than groups (%d)" groups) "names the groups")
            let regression = HeadSpec("ef", TaskKind.Regression, 1, LossKind.Mse)
            Expect.throwsC (fun () -> CrossValidationFolds.Make(studies, [| regression |], Nullable 0, 2, 1, 0) |> ignore) (fun e ->
                Expect.stringContains e.Message "stratify ef: a regression head" "names the head")
            let rare = studies |> Array.mapi (fun i s -> study s.Id s.Group (if i = 0 then 1.0 else 0.0))
            Expect.throwsC (fun () -> CrossValidationFolds.Make(rare, [| binaryHead |], Nullable 0, 2, 1, 0) |> ignore) (fun e ->
                Expect.stringContains e.Message "would validate on class 0 only of head 'y'" "names the fold's one class and head")
        }
        test "a split file replaces the manifest's splits; a group in two splits draws one warning naming it" {
            let dir, _ = tinyData 12 3 (fun _ v -> v)
            let options =
                DataOptions(
                    Manifest = Path.Combine(dir, SyntheticData.Manifest),
                    Separator = SyntheticData.Separator,
                    GroupColumn = "PatientID"
                )
            let heads = [|
                HeadSpec("cathEF", TaskKind.Regression, 1, LossKind.Mse)
                HeadSpec("abnormal", TaskKind.Binary, 1, LossKind.Bce)
            |]
            let splitFile = Path.Combine(dir, "splits.csv")
            File.WriteAllLines(splitFile, [| "study_id,split"; "study00000,val"; "study00001,val"; "study00002,train" |])
            let data = Manifest.Read(options.With(splitFile = splitFile), heads)
            Expect.sequenceEqual
                [
                    for id in [ "study00000"; "study00001"; "study00002" ] ->
                        (Seq.append data.Train data.Val |> Seq.find (fun s -> s.Id = id)).Split
                ]
                [ "val"; "val"; "train" ]
                "the split file's splits"
            Expect.equal (data.Val |> Seq.find (fun s -> s.Id = "study00000")).Group "p0" "the study's group"
            Expect.equal data.Warnings.Count 1 "one warning"
            Expect.stringContains (data.Warnings[0]) "p0 (train, val)" "names the group spanning two splits"
            File.WriteAllLines(splitFile, [| "study_id,split"; "nosuch,val" |])
            Expect.throwsC (fun () -> Manifest.Read(options.With(splitFile = splitFile), heads) |> ignore) (fun e ->
                Expect.stringContains e.Message "splits.csv:2: study 'nosuch' is not in the manifest" "names the line")
            Expect.throwsC (fun () -> Manifest.Read(options.With(groupColumn = "Patient"), heads) |> ignore) (fun e ->
                Expect.stringContains e.Message "column 'Patient' (data.group_column) not found" "names the key")
        }
        test "deepcoro cv end to end: folds.csv first, a run per fold, out-of-fold and ensemble predictions, summary, resume" {
            let dir, config = tinyData 36 2 (fun n v -> if n % 3 = 0 then "1" else v)
            let out = Path.Combine(dir, "cv")
            let args = [
                "cv"
                "--config"
                config
                "--folds"
                "3"
                "--group-by"
                "PatientID"
                "--stratify"
                "abnormal"
                "--set"
                "training.bootstraps=50"
                "--output"
                out
            ]
            let code, stdout, err = deepcoro args
            Expect.equal code 0 (sprintf "cv succeeds: %s" err)
            let split = splits dir
            let nonTest = split |> Seq.filter (fun kv -> kv.Value <> "test") |> Seq.map (fun kv -> kv.Key) |> Set.ofSeq
            let testIds = split |> Seq.filter (fun kv -> kv.Value = "test") |> Seq.map (fun kv -> kv.Key) |> Set.ofSeq
            let folds = csvRows (Path.Combine(out, "folds.csv"))
            Expect.sequenceEqual folds[0] [| "study_id"; "group"; "fold"; "repeat" |] "folds.csv's header"
            Expect.equal
                (folds[1..] |> Array.map (fun f -> f[0]) |> Set.ofArray)
                nonTest
                "folds.csv: the training and validation studies, no test study"
            for _, members in folds[1..] |> Array.groupBy (fun f -> f[1]) do
                Expect.equal (members |> Array.map (fun f -> f[2]) |> Array.distinct).Length 1 "a patient in one fold"
            for k in 0..2 do
                Expect.isTrue (File.Exists(Path.Combine(out, sprintf "fold-%d" k, "best.safetensors"))) "each fold an ordinary run"
            let oof = csvRows (Path.Combine(out, "oof_predictions.csv"))
            Expect.sequenceEqual (oof[0][oof[0].Length - 2 ..]) [| "fold"; "repeat" |] "fold and repeat columns last"
            Expect.equal (oof[0][0]) "study_id" "this product's prediction format"
            let ids = oof[1..] |> Array.map (fun r -> r[0])
            Expect.equal ids.Length nonTest.Count "every non-test study once"
            Expect.equal (Set.ofArray ids) nonTest "exactly the non-test studies"
            let foldOf = folds[1..] |> Array.map (fun f -> f[0], f[2]) |> dict
            for r in oof[1..] do
                Expect.equal (r[r.Length - 2]) (foldOf[r[0]]) "predicted by the fold that held the study out"
            let ensemble = csvRows (Path.Combine(out, "ensemble_predictions_test.csv"))
            Expect.equal (ensemble[1..] |> Array.map (fun r -> r[0]) |> Set.ofArray) testIds "the ensemble covers the test split"
            let probColumn = Array.IndexOf(ensemble[0], "abnormal_prob")
            let foldProb k =
                let rows = csvRows (Path.Combine(out, sprintf "fold-%d" k, "predictions_test.csv"))
                float (rows[1][probColumn])
            Expect.floatClose
                Accuracy.veryHigh
                (float (ensemble[1][probColumn]))
                ((foldProb 0 + foldProb 1 + foldProb 2) / 3.0)
                "the mean probability of the 3 models"
            use summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json")))
            let root = summary.RootElement
            Expect.equal (root.GetProperty("per_fold").GetArrayLength()) 3 "one entry per fold"
            let pooled = root.GetProperty("pooled_out_of_fold")[0]
            Expect.stringContains (pooled.GetProperty("split").GetString()) "out-of-fold" "the pooled metrics say their split"
            let auc = pooled.GetProperty("metrics").GetProperty("abnormal_auc")
            Expect.equal (auc.GetProperty("ci").GetArrayLength()) 2 "an interval"
            Expect.equal (root.GetProperty("ensemble_test").GetProperty("split").GetString().Substring(0, 5)) "test:" "the ensemble on test"
            Expect.isTrue
                (root.GetProperty("across_folds").GetProperty("abnormal_auc").TryGetProperty("sd") |> fst)
                "mean and SD across folds"
            Expect.stringContains stdout "abnormal_auc" "prints the headline metrics"
            // a second run trains nothing and reuses the folds; another K is refused
            let before = File.ReadAllText(Path.Combine(out, "folds.csv"))
            let code, again, err = deepcoro (args @ [ "--subgroups"; "Split" ])
            Expect.equal code 0 (sprintf "resume succeeds: %s" err)
            Expect.stringContains again "Split out-of-fold, repeat 0; subgroups of Split" "pooled out-of-fold subgroups"
            Expect.stringContains again "at threshold 0.5 (0.5, not chosen on data" "the threshold said, not the folds' own"
            Expect.isTrue
                (again.Split('\n') |> Array.exists (fun l -> l.TrimStart().StartsWith "Split " && l.Contains "train"))
                "a row per value of the manifest's Split column"
            Expect.stringContains again "(reused)" "folds.csv reused"
            Expect.stringContains again "fold 2 of repeat 0: finished earlier" "finished folds are not retrained"
            Expect.equal (File.ReadAllText(Path.Combine(out, "folds.csv"))) before "folds.csv unchanged"
            let changed = args |> List.map (fun a -> if a = "3" then "2" else a)
            let code, _, err = deepcoro changed
            Expect.equal code 1 "another K is refused"
            Expect.stringContains err "folds was 3, now 2" "says what changed"
        }
        test "deepcoro cv refuses bad input in one line, writing nothing" {
            let dir, config =
                tinyData 12 2 (fun n v ->
                    if n = 0 then "1"
                    elif n < 12 then "0"
                    else v)
            let out = Path.Combine(dir, "cv")
            let cv extra = [ "cv"; "--config"; config; "--output"; out ] @ extra
            refusedCv 2 (cv [ "--folds"; "1" ]) [ "folds 1: at least 2" ] out
            refusedCv 1 (cv [ "--folds"; "3"; "--group-by"; "Patient" ]) [ "column 'Patient' (data.group_column) not found" ] out
            refusedCv 1 (cv [ "--folds"; "50" ]) [ "folds 50: more folds than groups" ] out
            refusedCv 1 (cv [ "--folds"; "2"; "--stratify"; "cathEF" ]) [ "stratify cathEF: a regression head" ] out
            refusedCv 1 (cv [ "--folds"; "2"; "--stratify"; "abnorml" ]) [ "--stratify abnorml: not a head" ] out
            refusedCv 1 (cv [ "--folds"; "2"; "--stratify"; "abnormal" ]) [ "would validate on class 0 only of head 'abnormal'" ] out
        }
        test "synth --cohort order and average: one binary label, patients within one split, 2+ videos per study" {
            for cohort in [ "order"; "average" ] do
                let out = Path.Combine(tempDir (), cohort)
                let code, _, err =
                    deepcoro [
                        "synth"
                        "--output"
                        out
                        "--cohort"
                        cohort
                        "--studies"
                        "60"
                        "--dim"
                        "8"
                        "--tokens"
                        "3"
                        "--max-videos"
                        "3"
                    ]
                Expect.equal code 0 (sprintf "synth succeeds: %s" err)
                let lines = File.ReadAllLines(Path.Combine(out, SyntheticData.Manifest))
                Expect.equal
                    lines[0]
                    (String.Join(SyntheticData.Separator, "StudyInstanceUID", "Split", "FileName", "label", "PatientID"))
                    "the columns"
                let rows = lines[1..] |> Array.map (fun l -> l.Split SyntheticData.Separator)
                for _, ofPatient in rows |> Array.groupBy (fun f -> f[4]) do
                    Expect.equal (ofPatient |> Array.map (fun f -> f[1]) |> Array.distinct).Length 1 "a patient in one split"
                for _, ofStudy in rows |> Array.groupBy (fun f -> f[0]) do
                    Expect.isGreaterThanOrEqual ofStudy.Length 2 "at least two videos"
                let labels = rows |> Array.distinctBy (fun f -> f[0]) |> Array.map (fun f -> f[3]) |> Array.filter (fun l -> l <> "")
                let positive = float (labels |> Array.filter ((=) "1")).Length / float labels.Length
                Expect.isTrue (positive > 0.2 && positive < 0.8) (sprintf "%s: both classes (%.2f positive)" cohort positive)
                let config = DeepCoro.Config.TrainConfig.load (Path.Combine(out, "config.yaml"))
                Expect.equal (config.Spec.Heads |> Seq.map (fun h -> h.Name) |> List.ofSeq) [ "label" ] "one head, label"
                Expect.equal config.Data.GroupColumn "PatientID" "grouped by patient"
            let code, _, err = deepcoro [ "synth"; "--output"; tempDir (); "--cohort"; "ordered" ]
            Expect.equal code 2 "an unknown cohort is a usage error"
            Expect.stringContains err "--cohort ordered: expected planted, order or average" "names the choices"
        }
        test "--emit-slurm writes the folds and an array with one fold per task" {
            let _, config = tinyData 12 1 (fun _ v -> v)
            let out = Path.Combine(tempDir (), "cv")
            let code, stdout, err = deepcoro [ "cv"; "--config"; config; "--folds"; "2"; "--repeats"; "2"; "--output"; out; "--emit-slurm" ]
            Expect.equal code 0 (sprintf "succeeds: %s" err)
            let script = File.ReadAllText(Path.Combine(out, "cv.sbatch"))
            Expect.stringContains script "#SBATCH --array=0-3\n" "K x repeats tasks"
            Expect.stringContains script "--task \"$SLURM_ARRAY_TASK_ID\"" "each task one fold"
            Expect.stringContains script "--repeats 2" "the same request"
            Expect.isTrue (File.Exists(Path.Combine(out, "folds.csv"))) "folds written first"
            Expect.isTrue (File.Exists(Path.Combine(out, "splits", "repeat-1-fold-1.csv"))) "a split file per fold"
            Expect.isFalse (Directory.Exists(Path.Combine(out, "fold-0"))) "nothing trained"
            Expect.stringContains stdout "sbatch" "says how to submit"
        }
    ]
