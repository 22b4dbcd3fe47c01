/// Survival heads through the command line: a DeepCORO_CLIP-layout config (flat keys, survival keys our extension)
/// trains a Cox head and writes its metrics and baseline hazard; eval and evaluate (an external cohort CSV with
/// survival columns) with subgroups, explain, compare of two survival prediction files, a sweep over the same base,
/// and cv with a survival head (folds, out-of-fold risks, summary C-index, subgroups).
module DeepCoro.Tests.SurvivalCliTests

open System
open System.IO
open Expecto
open DeepCoro.Tests.TestSupport

/// Adds FU_DAYS and MACE to an α-separated manifest: times that shorten with the study's first label (cathEF, which
/// the tokens carry), a quarter censored.
let private addSurvival (manifest: string) =
    let lines = File.ReadAllLines manifest
    let rows =
        lines.[1..]
        |> Array.map (fun line ->
            let f = line.Split 'α'
            // one time and event per study (a study's videos are rows of their own)
            let study = int (f.[0].Substring 5)
            let ef =
                match Double.TryParse(f.[3], Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
                | true, v -> v
                | _ -> 0.5
            let time = Math.Round(100.0 * exp (-8.0 * (0.5 - ef)) + float (study % 7), 1)
            sprintf "%sα%gα%d" line time (if study % 4 = 0 then 0 else 1))
    File.WriteAllLines(manifest, Array.append [| lines.[0] + "αFU_DAYSαMACE" |] rows)

/// The flat config of a Cox head `mace` beside a binary head, on the DeepCORO_CLIP-layout data of `csv`.
let private flatConfig (dir: string) (csv: string) (embeddings: string) =
    let path = Path.Combine(dir, "flat.yaml")
    File.WriteAllText(
        path,
        String.concat "\n" [
            "pipeline_project: DeepCORO_video_linear_probing"
            "run_mode: train"
            "epochs: 2"
            "seed: 7"
            sprintf "data_filename: %s" csv
            sprintf "embeddings_dir: %s" embeddings
            "batch_size: 16"
            "num_videos: 2"
            "multi_video: true"
            "groupby_column: StudyInstanceUID"
            "datapoint_loc_label: FileName"
            "target_label: [abnormal]"
            "pooling_mode: cls_token"
            "num_attention_heads: 1"
            "separate_video_attention: true"
            "use_cls_token: true"
            "aggregate_videos_tokens: false"
            "embedding_dim: 16"
            "head_structure: {mace: 1, abnormal: 1}"
            "loss_structure: {mace: cox, abnormal: bce_logit}"
            "survival_columns: {mace: [FU_DAYS, MACE]}"
            "ci_n_bootstrap: 50"
            ""
        ]
    )
    path

let private ok (args: string list) =
    let code, out, err = CliTests.deepcoro args
    Expect.equal code 0 (sprintf "deepcoro %s: %s\n%s" (String.Join(" ", args)) out err)
    out

[<Tests>]
let tests =
    testList "survival cli" [
        test "a flat-layout Cox config trains; eval, evaluate, explain and compare read its survival head" {
            let dir, csv, embeddings = ReferenceConfigTests.referenceData 60 id
            addSurvival csv
            let config = flatConfig dir csv embeddings
            let run = Path.Combine(dir, "run")
            ok [ "train"; "--config"; config; "--output"; run; "--no-report" ] |> ignore
            let metrics = File.ReadAllText(Path.Combine(run, "predictions_test_metrics.csv"))
            for key in [ "test/mace_c_index,"; "test/mace_uno_c,"; "test/mace_ibs,"; "test/mace_td_auc_" ] do
                Expect.stringContains metrics key key
            Expect.isTrue (File.Exists(Path.Combine(run, "baseline_hazard.json"))) "the baseline hazard beside thresholds.json"
            // eval with subgroups: the C-index per group of the binary label
            let out = ok [ "eval"; "--run"; run; "--split"; "test"; "--subgroups"; "abnormal" ]
            Expect.stringContains out "mace (survival)" "the survival head's subgroup table"
            Expect.stringContains out "C-index" "its C-index column"
            // an external cohort CSV with the survival columns: the run's horizons and baseline, nothing fitted
            let external = Path.Combine(dir, "external")
            ok [ "evaluate"; "--run"; run; "--data"; csv; "--output"; external; "--subgroups"; "abnormal" ] |> ignore
            let header = File.ReadLines(Path.Combine(external, "predictions.csv")) |> Seq.head
            let trainHeader = File.ReadLines(Path.Combine(run, "predictions_test.csv")) |> Seq.head
            Expect.equal header trainHeader "the same columns, _surv_ at the run's horizons"
            let ext = File.ReadAllText(Path.Combine(external, "metrics.csv"))
            Expect.stringContains ext "external/mace_c_index," "the cohort's C-index"
            Expect.stringContains ext "external/mace_ibs," "and its IBS from the run's baseline"
            let explained = ok [ "explain"; "--run"; run; "--study"; "study00002"; "--output"; Path.Combine(dir, "explain") ]
            Expect.stringContains explained "mace risk" "explain prints the risk"
            let compared =
                ok [
                    "compare"
                    Path.Combine(run, "predictions_test.csv")
                    Path.Combine(external, "predictions.csv")
                    "--head"
                    "mace"
                    "--resamples"
                    "50"
                ]
            Expect.stringContains compared "c_index, bootstrap" "the paired C-index difference"
            Expect.stringContains compared "0.0000  [0.0000, 0.0000]" "the same model on the same studies: no difference"
        }
        test "deepcoro spec prints each survival head with its loss, bounds and outputs" {
            let spec = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Snapshots", "Survival.deepcoro.json")
            let out = ok [ "spec"; spec ]
            let row (block: string) =
                out.Split('\n') |> Array.find (fun l -> l.StartsWith block) |> fun l -> l.Substring(block.Length).Trim()
            Expect.stringStarts (row "survival head (cox)") "[B, 1]" "the Cox head: one risk"
            Expect.stringStarts
                (row "survival head (discrete_time at 30, 180, 365, 730)")
                "[B, 4]"
                "the discrete head: one logit per interval"
            Expect.stringContains out "heads.mace.weight" "the heads' parameters by name"
        }
        test "a sweep over a flat survival base runs its trials" {
            let dir, csv, embeddings = ReferenceConfigTests.referenceData 30 id
            addSurvival csv
            let basePath = flatConfig dir csv embeddings
            let sweep = Path.Combine(dir, "sweep_config.yaml")
            File.WriteAllText(
                sweep,
                "name: s\nmethod: grid\nmetric: {name: best_val_loss, goal: minimize}\nparameters:\n  head_lr: {values: [0.003]}\n"
            )
            let out = ok [ "sweep"; "--base"; basePath; "--sweep"; sweep; "--output"; Path.Combine(dir, "sweep") ]
            Expect.stringContains out "1 trials: 1 finished" "the trial ran"
        }
        test "cv with a survival head: folds, out-of-fold risks, the summary C-index, subgroups" {
            let dir, config = TrainingTests.dataset 40 2 id
            addSurvival (Path.Combine(dir, "manifest.csv"))
            let text =
                File
                    .ReadAllText(config)
                    .Replace(
                        "    cathEF: 1\n    abnormal: 1\n  loss_structure:\n    cathEF: mse\n",
                        "    mace: 1\n    abnormal: 1\n  loss_structure:\n    mace: cox\n"
                    )
                    .Replace("    cathEF: 30", "    mace: 1")
                    .Replace("  batch_size: 16\n", "  batch_size: 16\n  survival_columns:\n    mace: [FU_DAYS, MACE]\n")
            File.WriteAllText(config, text)
            let out = Path.Combine(dir, "cv")
            let printed =
                ok [
                    "cv"
                    "--config"
                    config
                    "--folds"
                    "2"
                    "--output"
                    out
                    "--set"
                    "training.bootstraps=20"
                    "--subgroups"
                    "abnormal"
                ]
            let summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(out, "summary.json")))
            let pooled = summary.["pooled_out_of_fold"].[0].["metrics"]
            Expect.isTrue (pooled.["mace_c_index"].["value"].GetValue<float>() > 0.0) "the pooled out-of-fold C-index"
            Expect.isNotNull summary.["ensemble_test"].["metrics"].["mace_c_index"] "the ensemble's C-index (mean risk)"
            Expect.stringContains printed "mace (survival)" "its subgroup table"
            let oof = File.ReadLines(Path.Combine(out, "oof_predictions.csv")) |> Seq.head
            Expect.stringContains oof "mace_risk" "out-of-fold risks"
        }
    ]
