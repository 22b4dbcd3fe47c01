/// Survival heads end to end: a synthetic cohort with planted hazards trains to a test C-index of at least 0.7 (Cox
/// and discrete-time), a shuffled-label control stays near 0.5, and bad survival input fails with one line.
module DeepCoro.Tests.SurvivalTrainingTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open DeepCoro.Spec
open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open DeepCoro.Runtime
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport

let private dim = 8
let private tokenCount = 4

/// Writes `n` studies of one video each ([4, 8] tokens): the tokens' mean along a fixed direction is z ~ N(0,
/// 1), the log-hazard is 1.5 z, times are exponential (rate 0.01 exp(1.5 z)),
/// censoring exponential (rate 0.006, about 40 % censored); with `shuffle` the (time,
/// event) pairs are permuted across studies. Returns the manifest and the share censored.
let private cohort (n: int) (shuffle: bool) =
    let dir = tempDir ()
    let rng = Random 7
    let direction = Array.init dim (fun k -> if k = 0 then 1.0f else 0.0f)
    let rows = ResizeArray()
    let labels = ResizeArray()
    for s in 0 .. n - 1 do
        let z = Seeding.Gaussian rng
        let data = Array.init (tokenCount * dim) (fun i -> float32 (Seeding.Gaussian rng) + float32 (2.0 * z) * direction.[i % dim])
        let file = sprintf "s%04d.npy" s
        use stream = File.Create(Path.Combine(dir, file))
        Npy.WriteFloat32(stream, ReadOnlySpan data, [| int64 tokenCount; int64 dim |])
        let exponential rate = -log(1.0 - rng.NextDouble()) / rate
        let t, c = exponential (0.01 * exp (1.5 * z)), exponential 0.006
        let split =
            if s % 5 < 3 then "train"
            elif s % 5 = 3 then "val"
            else "test"
        rows.Add((sprintf "study%04d" s, split, file))
        labels.Add((Math.Round(min t c, 2), (if t <= c then 1 else 0)))
    let labels = if shuffle then labels |> Seq.sortBy (fun _ -> rng.Next()) |> ResizeArray else labels
    let lines = Seq.map2 (fun (id, split, file) (t: float, e: int) -> sprintf "%s,%s,%s,%g,%d" id split file t e) rows labels
    let manifest = Path.Combine(dir, "manifest.csv")
    File.WriteAllLines(manifest, Seq.append [ "StudyInstanceUID,Split,FileName,FU_DAYS,MACE" ] lines)
    manifest, float (labels |> Seq.filter (fun (_, e) -> e = 0) |> Seq.length) / float n

let private spec (head: Head) = hierarchy [ mean over tokens; mean over videos ] |> heads [ head ] |> model "Survival" dim

let private data manifest =
    let columns = Dictionary<string, SurvivalColumns>()
    columns.["mace"] <- SurvivalColumns("FU_DAYS", "MACE")
    DataOptions(Manifest = manifest, SurvivalColumns = columns, BatchSize = 64, NumVideos = 1)

let private train (spec: ModelSpec) manifest =
    let options =
        TrainOptions(
            Epochs = 12,
            Seed = 1,
            Optimizer = OptimizerOptions(Lr = 0.05, WeightDecay = 0.0),
            Intervals = IntervalOptions(Resamples = 50)
        )
    let dataset = Dataset.Open(spec, data manifest, "train", "val")
    let run = Path.Combine(tempDir (), "run")
    Trainer(ModelPlan.Of spec, dataset, options, run).Run(false, TrainingTests.silent), run

[<Tests>]
let tests =
    testList "survival training" [
        test "a planted-hazard cohort trains to a test C-index of at least 0.7; predictions carry the risk" {
            let manifest, censored = cohort 500 false
            Expect.isTrue (censored > 0.3 && censored < 0.5) (sprintf "about 40 %% censored, got %.2f" censored)
            let model = spec (survival "mace")
            let r, run = train model manifest
            Expect.isGreaterThanOrEqual r.Metrics.["test/mace_c_index"] 0.7 "test Harrell's C (Cox)"
            Expect.isGreaterThan r.Intervals.["test/mace_c_index"].Lower 0.5 "the C-index's interval excludes 0.5"
            Expect.isTrue (r.Metrics.ContainsKey "test/mace_uno_c") "Uno's C"
            // Cox horizons: quartiles of the training split's event times, the same names on every split
            let horizons =
                r.Metrics.Keys |> Seq.filter (fun k -> k.StartsWith "test/mace_td_auc_") |> Seq.map (fun k -> k.Substring 5) |> Seq.toList
            Expect.equal horizons.Length 3 "three horizons"
            for k in horizons do
                Expect.isTrue (r.Metrics.ContainsKey("val/" + k)) ("val has " + k)
            // the Breslow baseline fitted on training gives S(t | x) at the horizons and the integrated Brier score
            let baseline = BaselineHazards.Read(Path.Combine(run, BaselineHazards.FileName), model.Heads).Heads.["mace"]
            let surv = horizons |> List.map (fun k -> "mace_surv_" + k.Substring("mace_td_auc_".Length))
            Expect.equal
                (List.ofArray baseline.Horizons |> List.map (fun h -> h.ToString("R", Globalization.CultureInfo.InvariantCulture)))
                (surv |> List.map (fun c -> c.Substring 10))
                "the horizons kept"
            let header = File.ReadLines(Path.Combine(run, "predictions_test.csv")) |> Seq.head
            Expect.equal header (String.Join(",", "study_id,split,videos,mace_time,mace_event,mace_risk" :: surv)) "predictions header"
            Expect.isTrue (r.Metrics.["test/mace_ibs"] > 0.0 && r.Metrics.["test/mace_ibs"] < 0.25) "an IBS better than S = 0.5"
            Expect.isTrue (r.Intervals.ContainsKey "test/mace_ibs") "with its interval"
            // the report: Kaplan-Meier curves of the test split by risk tertile, the C-index with its interval
            let noMaps = Dictionary<string, IReadOnlyDictionary<string, int>>()
            let index =
                DeepCoro.Runtime.Report.RunReport.Write(DeepCoro.Runtime.Report.RunReportInputs(run, model, noMaps, [||], null, [||]))
            let html = File.ReadAllText index
            Expect.stringContains html "Kaplan-Meier curves" "the KM figure's caption"
            Expect.stringContains html "the tertiles of the train split" "cut points from training"
            Expect.isTrue (File.Exists(Path.Combine(run, "report", "mace_km_test.png"))) "the KM picture"
            Expect.stringContains html "c_index" "the C-index in the metric table"
            // calibration at the last horizon per risk tertile, with intervals
            Expect.stringContains html "mace: calibration at time" "the calibration table's heading"
            Expect.stringContains html "Kaplan-Meier S(" "the observed column"
            Expect.isTrue (File.Exists(Path.Combine(run, "report", "mace_calibration_test.png"))) "the calibration picture"
        }
        test "the discrete-time form trains too and reports td-AUC at its bounds and the integrated Brier score" {
            let manifest, _ = cohort 500 false
            let r, run = train (spec (survival "mace" |> intervals [ 30.; 90.; 180.; 365. ])) manifest
            Expect.isGreaterThanOrEqual r.Metrics.["test/mace_c_index"] 0.7 "test Harrell's C (discrete-time)"
            for k in [ "test/mace_td_auc_30"; "test/mace_td_auc_365"; "test/mace_ibs" ] do
                Expect.isTrue (Double.IsFinite r.Metrics.[k]) k
            let header = File.ReadLines(Path.Combine(run, "predictions_test.csv")) |> Seq.head
            Expect.stringEnds header "mace_risk,mace_surv_30,mace_surv_90,mace_surv_180,mace_surv_365" "survival columns"
        }
        test "a survival run resumed after a kill equals the uninterrupted run (discrete and Cox, baseline hazard too)" {
            let manifest, _ = cohort 100 false
            for model, keys in
                [
                    spec (survival "mace" |> intervals [ 30.; 180. ]), [ "test/mace_c_index"; "test/mace_ibs"; "val/mace_loss" ]
                    spec (survival "mace"), [ "test/mace_c_index"; "test/mace_ibs"; "val/mace_loss" ]
                ] do
                let options = TrainOptions(Epochs = 3, Seed = 1, Intervals = IntervalOptions(Resamples = 0))
                let run (dir: string) resume observer =
                    Trainer(ModelPlan.Of model, Dataset.Open(model, data manifest, "train", "val"), options, dir).Run(resume, observer)
                let wholeDir = Path.Combine(tempDir (), "run")
                let whole = run wholeDir false TrainingTests.silent
                let killed = Path.Combine(tempDir (), "run")
                Expect.throwsT<OperationCanceledException> (fun () -> run killed false (TrainingTests.StopAfter 1) |> ignore) "killed"
                let resumed = run killed true TrainingTests.silent
                for k in keys do
                    Expect.floatClose Accuracy.high resumed.Metrics.[k] whole.Metrics.[k] k
                if model.Heads.[0].Loss = LossKind.Cox then
                    let baseline dir = BaselineHazards.Read(Path.Combine(dir, BaselineHazards.FileName), model.Heads).Heads.["mace"]
                    Expect.sequenceEqual (baseline killed).CumulativeHazard (baseline wholeDir).CumulativeHazard "the same baseline hazard"
        }
        test "shuffled labels stay near 0.5" {
            let manifest, _ = cohort 500 true
            let r, _ = train (spec (survival "mace")) manifest
            let c, ci = r.Metrics.["test/mace_c_index"], r.Intervals.["test/mace_c_index"]
            Expect.isTrue (abs (c - 0.5) < 0.12) (sprintf "shuffled test C-index %.3f" c)
            Expect.isTrue (ci.Lower < 0.5 && ci.Upper > 0.5) (sprintf "its interval [%.3f, %.3f] covers 0.5" ci.Lower ci.Upper)
        }
    ]

let private specJson (head: string) =
    sprintf
        """{
  "irVersion": 1, "name": "S", "embeddingDim": 8, "axes": ["videos", "tokens"],
  "pooling": [ { "pool": "mean", "over": "tokens" }, { "pool": "mean", "over": "videos" } ],
  "heads": [
    %s
  ]
}"""
        head

/// The error diagnostics of a spec with the given head, as "line code path".
let private specErrors (head: string) =
    (SpecJson.Read(specJson head)).Diagnostics
    |> Seq.filter (fun d -> d.Severity = Severity.Error)
    |> Seq.map (fun d -> sprintf "%d %s %s" d.Line d.Code d.Path)
    |> Seq.toList

/// A manifest with one survival head's columns, the rows given, read with survival_columns for `mace`.
let private readManifest (columns: bool) (rows: string list) =
    let dir = tempDir ()
    File.WriteAllBytes(Path.Combine(dir, "a.npy"), [||])
    let manifest = Path.Combine(dir, "manifest.csv")
    File.WriteAllLines(manifest, "StudyInstanceUID,Split,FileName,FU_DAYS,MACE" :: rows)
    let options = if columns then data manifest else DataOptions(Manifest = manifest)
    Manifest.Read(options, (spec (survival "mace")).Heads)

let private fails (expected: string) (f: unit -> 'a) =
    let e = Expect.throwsC (f >> ignore) id
    Expect.isTrue (e :? DataException) (sprintf "a DataException, got %s" (e.GetType().Name))
    Expect.stringContains e.Message expected "the message"
    Expect.isFalse (e.Message.Contains "\n") "one line"

[<Tests>]
let badInput =
    testList "survival bad input" [
        test "the IR's survival heads: JSON round trip, DSL, and intervals validated at their line" {
            let dsl = spec (survival "mace" |> intervals [ 30.; 180. ])
            let h = dsl.Heads.[0]
            Expect.equal (h.Task, h.Loss, h.Outputs) (TaskKind.Survival, LossKind.DiscreteTime, 2) "discrete head"
            Expect.equal (SpecJson.Parse(SpecJson.Write dsl, "x")) dsl "round trip"
            Expect.equal (spec (survival "mace")).Heads.[0].Loss LossKind.Cox "Cox by default"
            let ok = specErrors """{ "name": "mace", "task": "survival", "outputs": 1, "loss": "cox" }"""
            Expect.isEmpty ok "a Cox head is valid"
            Expect.equal
                (specErrors """{ "name": "mace", "task": "survival", "outputs": 2, "loss": "discrete_time", "intervals": [30, 20] }""")
                [ "5 DC0012 heads[0].intervals[1]" ]
                "not increasing"
            Expect.equal
                (specErrors """{ "name": "mace", "task": "survival", "outputs": 1, "loss": "discrete_time", "intervals": [] }""")
                [ "5 DC0012 heads[0].intervals" ]
                "at least one"
            Expect.equal
                (specErrors """{ "name": "mace", "task": "survival", "outputs": 1, "loss": "discrete_time", "intervals": [-5] }""")
                [ "5 DC0012 heads[0].intervals[0]" ]
                "positive"
            Expect.equal
                (specErrors """{ "name": "m", "task": "binary", "outputs": 1, "intervals": [30] }""")
                [ "5 DC0012 heads[0].intervals" ]
                "only survival heads have intervals"
        }
        test "times and events: missing is that head's missing label; bad values are one line naming row and column" {
            let read = readManifest true [ "s1,train,a.npy,10.5,1"; "s2,train,a.npy,,1"; "s3,train,a.npy,20,0" ]
            let labels = read.Train |> Seq.map (fun s -> s.Labels.[0], s.Events.[0]) |> Seq.toList
            Expect.equal (labels |> List.filter (fun (t, _) -> not (Double.IsNaN t))) [ 10.5, 1.0; 20.0, 0.0 ] "labels"
            Expect.isTrue (labels |> List.exists (fun (t, e) -> Double.IsNaN t && Double.IsNaN e)) "a missing time"
            fails "manifest.csv:2: time '-3' of survival head 'mace' (column FU_DAYS) is not a non-negative number" (fun () ->
                readManifest true [ "s1,train,a.npy,-3,1" ])
            fails "manifest.csv:3: time 'soon' of survival head 'mace' (column FU_DAYS)" (fun () ->
                readManifest true [ "s1,train,a.npy,3,1"; "s2,train,a.npy,soon,1" ])
            fails "manifest.csv:2: event '2' of survival head 'mace' (column MACE) is not 0 (censored) or 1 (event)" (fun () ->
                readManifest true [ "s1,train,a.npy,3,2" ])
            fails "survival head 'mace' has no columns; give data.survival_columns: {mace: [TIME_COLUMN, EVENT_COLUMN]}" (fun () ->
                readManifest false [ "s1,train,a.npy,3,1" ])
        }
        test "a config in this product's layout reads survival heads, intervals, ties and columns; bad intervals name their line" {
            let manifest, _ = cohort 20 false
            let dir = Path.GetDirectoryName manifest
            let write (intervals: string) =
                let path = Path.Combine(dir, "config.yaml")
                File.WriteAllText(
                    path,
                    sprintf
                        "model_config:\n  embedding_dim: 8\n  pooling_mode: mean\n  head_structure:\n    mace: 2\n  loss_structure:\n    mace: discrete_time\n  intervals:\n    mace: %s\n  cox_ties: breslow\ndata:\n  manifest: manifest.csv\n  survival_columns:\n    mace: [FU_DAYS, MACE]\n  tokens: 4\n  num_videos: 1\ntraining:\n  epochs: 1\n"
                        intervals
                )
                path
            let c = DeepCoro.Config.TrainConfig.load (write "[90, 365]")
            let h = c.Spec.Heads.[0]
            Expect.equal (h.Task, h.Loss, List.ofSeq h.Intervals) (TaskKind.Survival, LossKind.DiscreteTime, [ 90.0; 365.0 ]) "head"
            Expect.equal c.Train.Loss.Ties CoxTies.Breslow "cox_ties"
            Expect.equal c.Data.SurvivalColumns.["mace"] (SurvivalColumns("FU_DAYS", "MACE")) "columns"
            let e = Expect.throwsC (fun () -> DeepCoro.Config.TrainConfig.load (write "[365, 90]") |> ignore) id
            Expect.stringContains e.Message "config.yaml:9" "the line of intervals"
            Expect.stringContains e.Message "interval bounds increase strictly" "the reason"
        }
        test "a batch without any event: the loss is 0, counted, and training says so" {
            let heads = (spec (survival "mace")).Heads
            let results = SplitResults(heads, LossOptions())
            let study i = Study(Id = sprintf "s%d" i, Split = "train", Videos = ResizeArray(), Labels = [| float i |], Events = [| 0.0 |])
            let batch = StudyBatch([| study 1; study 2 |], [||], [| 2L; 1L; 1L |], [| true; true |], null, [| 1.0; 2.0 |], 1)
            use logits = TorchSharp.torch.tensor ([| 0.5f; -0.5f |], 2L, 1L, requires_grad = true)
            let outputs = readOnlyDict [ "mace", logits ]
            let total = results.Add(batch, outputs)
            total.backward ()
            Expect.equal (total.item<float32>()) 0.0f "loss 0"
            Expect.equal (logits.grad.data<float32>().ToArray()) [| 0.0f; 0.0f |] "zero gradient"
            Expect.equal results.BatchesWithoutEvents [| 1 |] "counted"
        }
    ]
