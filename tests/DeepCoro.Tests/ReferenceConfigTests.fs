/// DeepCORO_CLIP users' own files: configs in its flat layout (written here in its layout, not copied), α-separated
/// CSVs of videos with embeddings found by file stem, `run` in every run_mode with the reference's outputs.
module DeepCoro.Tests.ReferenceConfigTests

open System
open System.IO
open System.Text.Json
open Expecto
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Config
open DeepCoro.Tests.TestSupport

let private fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "reference")
let private fixture name = Path.Combine(fixtures, name)

/// DeepCORO_CLIP's data layout from a synthetic set (D 16, L 4): an α-separated CSV of video paths
/// (/videos/<study>_video<n>.avi) with its columns, and the embeddings by file stem in one folder. Returns the folder,
/// the CSV and the embeddings folder; `edit` changes the CSV's rows (fields split) before they are written.
let referenceData (studies: int) (edit: string[][] -> string[][]) =
    let dir, _ = TrainingTests.dataset studies 1 id
    let lines = File.ReadAllLines(Path.Combine(dir, "manifest.csv"))
    let embeddings = Path.Combine(dir, "emb")
    Directory.CreateDirectory embeddings |> ignore
    let rows =
        lines.[1..]
        |> Array.map (fun line ->
            let f = line.Split 'α'
            let name = f.[2].Replace("embeddings/", "").Replace("/", "_").Replace(".npy", "")
            File.Copy(Path.Combine(dir, f.[2]), Path.Combine(embeddings, name + ".npy"))
            [| f.[0]; f.[1]; sprintf "/videos/%s.avi" name; f.[3]; f.[4] |])
        |> edit
    let csv = Path.Combine(dir, "reference.csv")
    File.WriteAllLines(csv, Array.append [| "StudyInstanceUIDαSplitαFileNameαcathEFαabnormal" |] (rows |> Array.map (String.concat "α")))
    dir, csv, embeddings

/// The torch checkpoint fixture's inputs as the reference's inference data: one .npy per valid video of
/// io.safetensors' x, and a CSV without label columns whose rows are in split `inference`; returns the inputs, the
/// folder, the embeddings folder and the CSV.
let inferenceData () =
    let io = Safetensors.Load(Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch", "checkpoint", "io.safetensors"))
    let dir = tempDir ()
    let embeddings = Path.Combine(dir, "emb")
    Directory.CreateDirectory embeddings |> ignore
    let x, mask = io["x"], io["mask"]
    let rows = [
        for b in 0L .. x.shape.[0] - 1L do
            for v in 0L .. x.shape.[1] - 1L do
                if mask.[b, v].item<bool>() then
                    let name = sprintf "s%d_v%d" b v
                    use s = File.Create(Path.Combine(embeddings, name + ".npy"))
                    Npy.WriteFloat32(s, ReadOnlySpan(x.[b, v].contiguous().data<float32>().ToArray()), x.[b, v].shape)
                    yield sprintf "s%dαinferenceα/data/%s.avi" b name
    ]
    let csv = Path.Combine(dir, "inference.csv")
    File.WriteAllLines(csv, "StudyInstanceUIDαSplitαFileName" :: rows)
    io, dir, embeddings, csv

let private run (args: string list) = CliTests.deepcoro ("run" :: args)

let private ok (args: string list) =
    let code, out, err = run args
    Expect.equal code 0 (sprintf "exit code; stderr: %s" err)
    out, err

[<Tests>]
let tests =
    testList "drop-in" [
        test "ci_confidence_level and ci_n_bootstrap set the bootstrap intervals; telemetry keys reach the run" {
            let overrides = [ "ci_confidence_level", "0.9"; "ci_n_bootstrap", "250"; "data_filename", "studies.csv" ]
            let config = TrainConfig.loadWith (fixture "cathef_cls_token.yaml") { ConfigFile.defaultOptions with Overrides = overrides }
            Expect.equal config.Train.Intervals.Level 0.9 "level"
            Expect.equal config.Train.Intervals.Resamples 250 "resamples"
            let nested = Path.Combine(repoRoot, "examples", "configs", "cathef_cls_token.yaml")
            let overrides = [
                "training.bootstraps", "0"
                "training.telemetry_every", "7"
                "training.max_nonfinite_steps", "2"
                "training.telemetry", "false"
            ]
            let config = TrainConfig.loadWith nested { ConfigFile.defaultOptions with Overrides = overrides }
            Expect.isFalse config.Train.Intervals.Enabled "0 resamples: no intervals"
            Expect.equal
                (config.Train.Telemetry.SampleEvery, config.Train.Telemetry.MaxConsecutiveSkips, config.Train.Telemetry.Enabled)
                (7, 2, false)
                "telemetry"
        }
        test "a reference config checks: repeated keys warned with both lines, the map wins, one encoder summary, notices" {
            let _, csv, embeddings = referenceData 30 id
            let out, err =
                ok [ "--config"; fixture "cathef_cls_token.yaml"; "--check"; "--set"; "data_filename=" + csv; "--embeddings"; embeddings ]
            Expect.stringContains
                err
                "cathef_cls_token.yaml:75:1: warning: the config: key 'head_lr' is repeated (first on line 60): the last value counts"
                "repeated key"
            Expect.stringContains out "head:cathEF: lr 0.003" "the later map of head_lr counts"
            Expect.stringContains out "cls_within: lr 0.003" "attention_within_lr has a group of its own"
            Expect.stringContains out "cathEF: regression, 1 output(s), loss mse, weight 30, dropout 0.1" "heads as written"
            Expect.stringContains
                out
                "abnormal: binary, 1 output(s), loss bce, weight 1, dropout 0.1, label column abnormal, classes 0=normal 1=abnormal"
                "class names"
            Expect.stringContains out "clipping none" "the reference does not clip"
            let summaries = err.Split('\n') |> Array.filter (fun l -> l.Contains "keys concern only DeepCORO_CLIP's video encoder")
            Expect.equal summaries.Length 1 "one summarising warning"
            Expect.stringContains summaries.[0] "video_freeze_ratio" "encoder keys named"
            Expect.stringContains err "'notes' is a key of no DeepCORO_CLIP config class" "unknown keys warned"
            Expect.stringContains err "DeepCORO_CLIP itself would ignore head_dropout" "notice names what the reference ignores"
        }
        test "6 attention heads: DC0003 with a hint at --as-reference-built, which builds the reference's 8 separate post-norm layers" {
            let code, _, err = run [ "--config"; fixture "stenosis_views.yaml"; "--check" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "stenosis_views.yaml:20:22: DC0003: 6 attention heads do not divide the width 512" "located"
            Expect.stringContains err "--as-reference-built" "hint"
            let out, _ = ok [ "--config"; fixture "stenosis_views.yaml"; "--check"; "--as-reference-built" ]
            Expect.stringContains out "built as DeepCORO_CLIP builds it" "as built"
            Expect.stringContains
                out
                "frozen: cls_attention_within, cls_norm_within"
                "separate layers, the within one unused on one vector per video (aggregate_videos_tokens defaults to true), kept frozen"
            Expect.stringContains out "stenosis_grade: multiclass, 3 output(s), loss focal" "multiclass_focal"
            Expect.stringContains out "view_embedding" "the view column enables the view embedding"
            let file =
                ConfigFile.read (fixture "stenosis_views.yaml") (File.ReadAllText(fixture "stenosis_views.yaml")) {
                    ConfigFile.defaultOptions with
                        AsReferenceBuilt = true
                }
            Expect.equal file.Settings.Train.Loss.FocalAlpha (Nullable 0.25) "binary_focal weighs positives by 0.25"
            let levels = [
                for s in file.Spec.Pooling do
                    for b in (s :?> ConcatStage).Branches do
                        for l in b -> l :?> PoolLevel
            ]
            for l in levels |> List.filter (fun l -> l.Kind = PoolKind.ClsToken) do
                Expect.equal (l.Options.AttentionHeads, l.Options.Norm) (8, NormPlacement.Post) "8 heads, post-norm"
        }
        test "tags are honoured and a quoted number is text, in one wording" {
            let dir = tempDir ()
            let write name (text: string) =
                let p = Path.Combine(dir, name) in
                File.WriteAllText(p, text)
                p
            let base' = File.ReadAllText(fixture "cathef_cls_token.yaml")
            let code, _, err = run [ "--config"; write "a.yaml" (base'.Replace("epochs: !!int 2", "epochs: !!str 2")); "--check" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "a.yaml:6:9: epochs: expected an integer but found the string '2'" "!!str is text"
            let code, _, err = run [ "--config"; write "b.yaml" (base'.Replace("epochs: !!int 2", "epochs: \"2\"")); "--check" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "epochs: expected an integer but found the string '2'" "quoted is text"
            let file =
                TrainConfig.parse
                    (write "c.yaml" (base'.Replace("seed: !!int 7", "seed: !!int '9'")))
                    (base'.Replace("seed: !!int 7", "seed: !!int '9'"))
            Expect.equal file.Train.Seed 9 "!!int makes a quoted value a number"
        }
        test "--set overrides keys, dotted into maps; a bad one is named" {
            let file =
                TrainConfig.loadWith (fixture "cathef_cls_token.yaml") {
                    ConfigFile.defaultOptions with
                        Overrides = [ "head_lr.cathEF", "0.5"; "epochs", "9" ]
                }
            Expect.equal file.Train.Optimizer.HeadLr["cathEF"] 0.5 "the last head_lr map's entry"
            Expect.equal file.Train.Epochs 9 "a scalar"
            let code, _, err = run [ "--config"; fixture "cathef_cls_token.yaml"; "--check"; "--set"; "epochs.x=3" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "--set epochs.x=3: 'epochs' is a single value, not a map" "named"
            let code, _, err = run [ "--config"; fixture "cathef_cls_token.yaml"; "--check"; "--set"; "epochs" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "--set epochs: expected key=value" "no value"
            let code, _, err = run [ "--config"; fixture "cathef_cls_token.yaml"; "--check"; "--set"; "epochs=0" ]
            Expect.equal code 1 "refused"
            Expect.stringContains
                err
                "--set epochs=0: epochs: must be an integer from 1 to 1000000, got 0"
                "an override's value is checked and named as such"
        }
        test
            "a run on the reference's CSV and embeddings by stem: dropped videos counted once, the reference's metric names, a flat config copy" {
            let _, csv, embeddings =
                referenceData 60 (fun rows ->
                    // the first study loses every embedding, the second one video; two labels go missing
                    let first, second = rows.[0].[0], (rows |> Array.find (fun r -> r.[0] <> rows.[0].[0])).[0]
                    rows
                    |> Array.iteri (fun i r ->
                        if i < 2 then
                            r.[4] <- "")
                    rows)
            let studyFiles study = Directory.GetFiles(embeddings, study + "_*")
            let firstStudy = File.ReadAllLines(csv).[1].Split('α').[0]
            for f in studyFiles firstStudy do
                File.Delete f
            let out = Path.Combine(tempDir (), "run")
            let _, err =
                ok [
                    "--config"
                    fixture "cathef_cls_token.yaml"
                    "--set"
                    "data_filename=" + csv
                    "--set"
                    "embedding_dim=16"
                    "--embeddings"
                    embeddings
                    "--output"
                    out
                ]
            let notes = err.Split('\n') |> Array.filter (fun l -> l.StartsWith "note: ")
            Expect.exists notes (fun n -> n.Contains "video(s) without an embedding in") "dropped videos in one line"
            Expect.exists notes (fun n -> n.Contains "1 stud(ies) left without any video were skipped") "skipped study in one line"
            let last = File.ReadAllLines(Path.Combine(out, "metrics.jsonl")) |> Array.last |> JsonDocument.Parse
            for key in [ "best_val_loss"; "val/main_loss"; "val/cathEF_pearson_r"; "val/abnormal_ppv"; "val/abnormal_sensitivity" ] do
                Expect.isTrue (fst (last.RootElement.TryGetProperty key)) (sprintf "metrics.jsonl has %s" key)
            let copy = File.ReadAllText(Path.Combine(out, "config.yaml"))
            Expect.stringContains
                copy
                "pipeline_project: !!str DeepCORO_video_linear_probing"
                "the copy keeps the reference's layout and tags"
            Expect.stringContains copy ("embeddings_dir: " + embeddings) "the flag is in the copy"
            Expect.isFalse (copy.Contains "\u0000") "repeated keys resolved in the copy"
            let again = TrainConfig.load (Path.Combine(out, "config.yaml"))
            Expect.equal again.Train.Optimizer.HeadLr["cathEF"] 0.003 "the copy reads as the run read the original"
            // val mode on the trained weights writes the reference's prediction file
            let valOut = Path.Combine(tempDir (), "val")
            let _ =
                ok [
                    "--config"
                    Path.Combine(out, "config.yaml")
                    "--set"
                    "run_mode=val"
                    "--weights"
                    Path.Combine(out, "best.safetensors")
                    "--output"
                    valOut
                ]
            let lines = File.ReadAllLines(Path.Combine(valOut, "predictions", "val_predictions_epoch_-1.csv"))
            Expect.equal lines.[0] "epoch,video_name,cathEF_pred,cathEF_true,abnormal_pred,abnormal_true" "the reference's columns"
            Expect.stringStarts lines.[1] "-1,\"['/videos/" "epoch -1 and the videos as a Python list"
            Expect.stringContains lines.[1] "'PAD'" "padded to num_videos"
        }
        test
            "inference on a .pt checkpoint over a CSV without label columns: the reference's predictions equal PyTorch's, study embeddings saved" {
            let io, dir, embeddings, csv = inferenceData ()
            let checkpoint = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch", "checkpoint", "best_model_epoch_3.pt")
            let out = Path.Combine(dir, "run")
            let _ =
                ok [
                    "--config"
                    fixture "inference.yaml"
                    "--set"
                    "data_filename=" + csv
                    "--set"
                    "embedding_dim=16"
                    "--set"
                    "inference_model_path=" + checkpoint
                    "--embeddings"
                    embeddings
                    "--output"
                    out
                ]
            let lines = File.ReadAllLines(Path.Combine(out, "predictions", "inference_predictions_epoch_-1.csv"))
            Expect.equal
                lines.[0]
                "epoch,video_name,cathEF_pred,cathEF_true,stenosis_prob_0,stenosis_prob_1,stenosis_prob_2,stenosis_pred_class,stenosis_true_class,contrast_prob_0,contrast_prob_1,contrast_pred_class,contrast_true_class"
                "columns"
            let stenosis = io["out.stenosis"].softmax(1)
            for b in 0..2 do
                let cells = Text.RegularExpressions.Regex.Split(lines.[b + 1], ",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")
                TrainingTests.close 1e-5 (float cells.[2]) (io["out.cathEF"].[b, 0].item<float32>() |> float) (sprintf "study %d cathEF" b)
                for k in 0..2 do
                    TrainingTests.close
                        1e-5
                        (float cells.[4 + k])
                        (stenosis.[b, k].item<float32>() |> float)
                        (sprintf "study %d stenosis %d" b k)
                Expect.equal cells.[3] "" "no truth in inference"
            let saved = Safetensors.Load(Path.Combine(out, "predictions", "study_embeddings.safetensors"))
            Expect.sequenceEqual saved["embeddings"].shape [| 3L; 16L |] "one pooled vector per study"
        }
        test "view names through view_labels_map: a missing view reads as Other, an unknown one as padding; multi_video false" {
            let dir = tempDir ()
            let npy name =
                let p = Path.Combine(dir, name + ".npy") in
                (use s = File.Create p in Npy.WriteFloat32(s, ReadOnlySpan(Array.zeroCreate<float32> 8), [| 8L |]))
                p
            let rows = [ "s1αtrainα/v/a.aviαLCAα1"; "s1αtrainα/v/b.aviααNaN"; "s2αtrainα/v/c.aviαXYZα0" ]
            for n in [ "a"; "b"; "c" ] do
                npy n |> ignore
            let csv = Path.Combine(dir, "views.csv")
            File.WriteAllLines(csv, "StudyInstanceUIDαSplitαFileNameαview_classαabnormal" :: rows)
            let views = Collections.Generic.Dictionary<string, int>(dict [ "LCA", 0; "RCA", 1; "Other", 2 ])
            let options =
                DataOptions(Manifest = csv)
                    .With(separator = "α", embeddingsDir = dir, viewColumn = "view_class", viewLabelsMap = views, firstLabelWins = true)
            let heads = [| HeadSpec("abnormal", TaskKind.Binary, 1, LossKind.Bce) |]
            let data = Manifest.Read(options, heads, 3)
            Expect.equal
                [
                    for s in data.Train do
                        for v in s.Videos -> v.ViewId
                ]
                [ 0L; 2L; 3L ]
                "LCA, missing -> Other, unknown -> padding"
            Expect.equal [ for s in data.Train -> s.Labels.[0] ] [ 1.0; 0.0 ] "the first label of a study counts"
            let single = Manifest.Read(options.With(multiVideo = false), heads, 3)
            Expect.equal single.Train.Count 3 "every row a study of its own"
        }
        test "dozens of heads check in one pass" {
            let heads = [ for i in 1..30 -> sprintf "lesion_%02d" i ]
            let text =
                [
                    yield "pipeline_project: DeepCORO_video_linear_probing"
                    yield "run_mode: train"
                    yield "data_filename: /nowhere/data.csv"
                    yield "pooling_mode: attention+cls_token"
                    yield sprintf "target_label: [%s]" (String.concat ", " heads)
                    yield "head_structure:"
                    for h in heads -> sprintf "  %s: 1" h
                    yield "loss_structure:"
                    for h in heads -> sprintf "  %s: bce_logit" h
                ]
                |> String.concat "\n"
            let file = TrainConfig.parse "many.yaml" text
            Expect.equal file.Spec.Heads.Count 30 "every head"
            Expect.all file.Spec.Heads (fun h -> h.Task = TaskKind.Binary) "bce_logit makes binary heads"
        }
        test "a DeepCORO_CLIP sweep on a base in its layout runs its trials and ranks them by best_val_loss" {
            let dir, csv, embeddings = referenceData 40 id
            let basePath = Path.Combine(dir, "base_config.yaml")
            // the fixture with this data appended: PyYAML's last value wins, as for the fixture's own repeats
            File.WriteAllText(
                basePath,
                File.ReadAllText(fixture "cathef_cls_token.yaml")
                + sprintf "\ndata_filename: %s\nembeddings_dir: %s\nembedding_dim: 16\nepochs: 2\n" csv embeddings
            )
            let sweep = Path.Combine(dir, "sweep_config.yaml")
            File.WriteAllText(
                sweep,
                String.concat "\n" [
                    "command: [torchrun, scripts/main.py, --base_config, base_config.yaml, \"${args}\"]"
                    "name: lr_sweep"
                    "method: grid"
                    "metric: {name: best_val_loss, goal: minimize}"
                    "parameters:"
                    "  attention_across_lr: {values: [0.001, 0.003]}"
                    "  video_freeze_ratio: {values: [0.8]}"
                    ""
                ]
            )
            let out = Path.Combine(dir, "sweep")
            let code, stdout, err = CliTests.deepcoro [ "sweep"; "--base"; basePath; "--sweep"; sweep; "--output"; out ]
            Expect.equal code 0 (sprintf "%s\n%s" stdout err)
            Expect.stringContains
                stdout
                "2 trials: 2 finished (goal: minimize best_val_loss)"
                "both trials report the reference's sweep metric"
            let best = File.ReadAllText(Path.Combine(out, "best_config.yaml"))
            Expect.stringContains best "pipeline_project" "the best config in the base's layout"
        }
        test "docs/config-keys.md holds the key table the readers use" {
            let docs = File.ReadAllText(Path.Combine(repoRoot, "docs", "config-keys.md"))
            let table = ConfigKeys.markdown ()
            if not (docs.Contains table) then
                let received = Path.Combine(repoRoot, "docs", "config-keys.received.md")
                File.WriteAllText(received, table)
                failtestf "docs/config-keys.md lacks the current key table; the table is in %s" received
        }
        test "a key of a layout and section is read by one setting; a DeepCORO_CLIP key and its key here are one row" {
            let places = [
                yield Settings.Reference, ""
                yield Settings.ModelFile, ""
                for section in "" :: ConfigKeys.sections -> Settings.Nested, section
            ]
            for layout, section in places do
                let keys = ConfigKeys.keysOf layout section |> List.map fst
                Expect.equal (List.distinct keys) keys (sprintf "%A '%s': each key once" layout section)
            let flatRow name = ConfigKeys.keysOf Settings.Reference "" |> List.find (fun (k, _) -> k = name) |> snd
            for flat, here in
                [
                    "gradient_accumulation_steps", "training.gradient_accumulation_steps"
                    "data_filename", "data.manifest"
                    "scheduler_name", "scheduler.name"
                    "video_freeze_ratio", "encoder.freeze_ratio"
                    "pooling_mode", "model_config.pooling_mode"
                ] do
                Expect.equal (flatRow flat).Id here (sprintf "%s is %s's row" flat here)
        }
        test "every field of DeepCORO_CLIP's LinearProbingConfig and HeartWiseConfig has a row" {
            // the fields at its HEAD (utils/config/linear_probing_config.py, heartwise_config.py)
            let fields = [
                "pipeline_project"
                "base_checkpoint_path"
                "run_mode"
                "epochs"
                "seed"
                "output_dir"
                "head_lr"
                "scheduler_name"
                "lr_step_period"
                "factor"
                "optimizer"
                "head_weight_decay"
                "video_encoder_weight_decay"
                "use_amp"
                "gradient_accumulation_steps"
                "num_warmup_percent"
                "num_hard_restarts_cycles"
                "warm_restart_tmult"
                "data_filename"
                "num_workers"
                "batch_size"
                "datapoint_loc_label"
                "target_label"
                "rand_augment"
                "resize"
                "frames"
                "stride"
                "model_name"
                "aggregator_depth"
                "num_heads"
                "video_freeze_ratio"
                "dropout"
                "pretrained"
                "video_encoder_checkpoint_path"
                "video_encoder_lr"
                "head_structure"
                "loss_structure"
                "head_weights"
                "head_dropout"
                "head_task"
                "labels_map"
                "multi_video"
                "groupby_column"
                "num_videos"
                "shuffle_videos"
                "pooling_mode"
                "attention_hidden"
                "dropout_attention"
                "attention_lr"
                "attention_weight_decay"
                "use_cls_token"
                "num_attention_heads"
                "separate_video_attention"
                "normalization_strategy"
                "attention_within_lr"
                "attention_across_lr"
                "attention_within_weight_decay"
                "attention_across_weight_decay"
                "aggregate_videos_tokens"
                "per_video_pool"
                "inference_model_path"
                "ci_confidence_level"
                "ci_n_bootstrap"
                "train_pooling_params"
                "view_column"
                "num_view_classes"
                "view_labels_map"
                "view_embedding_lr"
                "view_embedding_weight_decay"
                "dataset_mean"
                "dataset_std"
                "name"
                "project"
                "entity"
                "tag"
                "use_wandb"
                "device"
                "world_size"
                "is_ref_device"
            ]
            let known = ConfigKeys.keysOf Settings.Reference "" |> List.map fst |> Set.ofList
            for f in fields do
                Expect.isTrue (known.Contains f) (sprintf "%s has a row" f)
        }
    ]
